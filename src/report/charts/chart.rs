//! The small trait every chart implements, and what a run's charts are
//! drawn from.

use super::super::series::Series;
use crate::record::{OpRecord, Phase};
use crate::summary::Summary;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One chart: a title, a file stem and a drawing on any backend.
pub trait Chart {
    fn title(&self) -> String;
    fn file_stem(&self) -> &'static str;
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static;
}

/// What every chart of a run is drawn from.
#[derive(Clone, Copy)]
pub struct RunData<'a> {
    pub summary: &'a Summary,
    pub series: &'a Series,
}

impl RunData<'_> {
    /// Rows of `phase`, in container order.
    pub fn ops(&self, phase: Phase) -> Vec<&OpRecord> {
        let mut ops: Vec<&OpRecord> = self
            .series
            .ops
            .iter()
            .filter(|op| op.phase == phase)
            .collect();
        ops.sort_by_key(|op| op.index);
        ops
    }

    /// The container index of the restore during which the collapse fired.
    pub fn collapse_index(&self) -> Option<usize> {
        let point = self.summary.collapse.point.as_ref()?;
        let mut restores: Vec<&OpRecord> = self
            .series
            .ops
            .iter()
            .filter(|op| op.phase == Phase::Restore)
            .collect();
        restores.sort_by(|a, b| a.end_ms.total_cmp(&b.end_ms));
        restores
            .get(point.at_restore.saturating_sub(1))
            .or(restores.last())
            .map(|op| op.index)
    }
}

//! Projection: from the first restores, what each restored container adds to
//! the target's memory that cannot be reclaimed, and the counts at which the
//! target starts thrashing and at which it fails outright.
//!
//! The basis is the non-reclaimable footprint (anonymous memory and shmem in
//! RAM + swapped-out pages + kernel memory, see `sampler::Footprint`),
//! not the memory charged to the cgroup: early on the charge includes the page
//! cache a restore fills by reading its checkpoint images, which the kernel
//! gives back under pressure, so a fit on the charge foresees the end far too
//! early (a 400 x 16 MiB run: 39.7 MiB charged per container, while the
//! footprint grew by about half that). Swapping a page out moves it from RAM
//! to swap without shrinking the footprint, so one line serves both counts:
//!
//! - *thrashing onset*: the footprint reaches the RAM budget; from there every
//!   new page is paid for by swapping another out (pressure, stalls);
//! - *hard failure*: the footprint reaches RAM + swap; nothing is left to
//!   reclaim and the kernel's OOM killer (or a failing allocation) ends it.
//!
//! The charge-based fit is kept under its own name, `reclaim_onset`: the count
//! at which the charge reaches the RAM budget, i.e. where the kernel starts
//! reclaiming page cache. It is the first sign of pressure, not the end.

use crate::record::SampleRow;
use serde::{Deserialize, Serialize};

/// A straight line of memory against the restored count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    /// Bytes each restored container adds.
    pub bytes_per_container: f64,
    /// Bytes before the first restore (the line's intercept).
    pub baseline_bytes: f64,
}

impl Fit {
    /// The restore during which the line reaches `level_bytes`; `None` when
    /// it does not grow.
    pub fn count_at(&self, level_bytes: u64) -> Option<u64> {
        (self.bytes_per_container > 0.0).then(|| {
            ((level_bytes as f64 - self.baseline_bytes) / self.bytes_per_container)
                .max(0.0)
                .ceil() as u64
        })
    }
}

/// What the first restores foresee. Every field has a default, so summaries
/// written before this shape still load (they are rebuilt from the CSVs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// Restores the fits used (1..=this many restored).
    #[serde(default)]
    pub fitted_restores: u64,
    /// The target's RAM budget, bytes.
    #[serde(default)]
    pub ram_budget_bytes: u64,
    /// The target's swap budget, bytes.
    #[serde(default)]
    pub swap_budget_bytes: u64,
    /// The basis: the non-reclaimable footprint's line (`None` in runs
    /// recorded before the footprint columns existed).
    #[serde(default)]
    pub footprint: Option<Fit>,
    /// The restore at which the footprint reaches the RAM budget.
    #[serde(default)]
    pub thrashing_onset: Option<u64>,
    /// The restore at which the footprint reaches RAM + swap.
    #[serde(default)]
    pub hard_failure: Option<u64>,
    /// The charge's line (memory.usage_in_bytes: page cache included).
    #[serde(default)]
    pub charge: Option<Fit>,
    /// The restore at which the charge reaches the RAM budget: the kernel
    /// starts reclaiming page cache there.
    #[serde(default)]
    pub reclaim_onset: Option<u64>,
}

impl Projection {
    /// The two predictions and their basis, for the console's restore bar.
    pub fn brief(&self) -> Option<String> {
        let f = self.footprint?;
        let count = |c: Option<u64>| c.map_or("-".to_string(), |c| format!("~{c}"));
        Some(format!(
            "thrashing at {}, hard failure at {} (+{:.1} MiB/container not reclaimable, first {} restores)",
            count(self.thrashing_onset),
            count(self.hard_failure),
            mib(f.bytes_per_container),
            self.fitted_restores
        ))
    }

    /// Lines for the summary: the predictions with their basis, then the
    /// charge-based reclaim onset.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        match (self.footprint, self.thrashing_onset, self.hard_failure) {
            (Some(f), Some(thrashing), Some(hard)) => lines.push(format!(
                "projection (first {} restores): non-reclaimable footprint {:.0} MiB + {:.1} MiB per container: \
                 thrashing onset at ~{thrashing} (reaches RAM {:.0} MiB), hard failure at ~{hard} (reaches RAM + swap {:.0} MiB)",
                self.fitted_restores,
                mib(f.baseline_bytes),
                mib(f.bytes_per_container),
                mib(self.ram_budget_bytes as f64),
                mib(self.ram_budget_bytes.saturating_add(self.swap_budget_bytes) as f64),
            )),
            (Some(_), _, _) => lines.push(format!(
                "projection (first {} restores): the non-reclaimable footprint did not grow, nothing projected",
                self.fitted_restores
            )),
            (None, _, _) => lines.push(
                "projection: no non-reclaimable footprint recorded (a run recorded before it was sampled)".into(),
            ),
        }
        if let (Some(c), Some(reclaim)) = (self.charge, self.reclaim_onset) {
            lines.push(format!(
                "  charged memory (page cache included) + {:.1} MiB per container: page-cache reclaim begins at ~{reclaim}",
                mib(c.bytes_per_container)
            ));
        }
        lines
    }
}

fn mib(bytes: f64) -> f64 {
    bytes / 1048576.0
}

/// Where the measured footprint actually reached the budget's levels: the
/// restore in flight (restored count + 1) at the first sample at or above
/// each. Compared with the projection in the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reached {
    /// The footprint reached the RAM budget during this restore.
    pub ram_at_restore: Option<u64>,
    /// The footprint reached RAM + swap during this restore.
    pub ram_and_swap_at_restore: Option<u64>,
}

/// Where the footprint of `samples` reached RAM and RAM + swap; `None` when
/// no sample has a footprint.
pub fn reached(samples: &[SampleRow], budget: Budget) -> Option<Reached> {
    let footprints: Vec<(u64, u64)> = samples
        .iter()
        .filter_map(|s| Some((s.target_footprint_bytes?, s.migrated)))
        .collect();
    if footprints.is_empty() {
        return None;
    }
    let first_at = |level: u64| {
        footprints
            .iter()
            .find(|(bytes, _)| *bytes >= level)
            .map(|(_, migrated)| migrated + 1)
    };
    Some(Reached {
        ram_at_restore: first_at(budget.ram_bytes),
        ram_and_swap_at_restore: first_at(budget.ram_bytes.saturating_add(budget.swap_bytes)),
    })
}

/// The budget the projection measures against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub ram_bytes: u64,
    pub swap_bytes: u64,
}

/// Fits the footprint and the charge against the restored count over the
/// samples taken while at most `fit_restores` containers were restored
/// (least squares), and projects the three counts. `None` until the fit has
/// at least two distinct restored counts.
pub fn project(samples: &[SampleRow], fit_restores: u64, budget: Budget) -> Option<Projection> {
    let window: Vec<&SampleRow> = samples
        .iter()
        .filter(|s| s.migrated <= fit_restores)
        .collect();
    let charge = fit(&window, |s| s.target_memory_bytes);
    let footprint = fit(&window, |s| s.target_footprint_bytes);
    let fitted_restores = footprint.or(charge)?.0;
    let (charge, footprint) = (charge.map(|f| f.1), footprint.map(|f| f.1));
    Some(Projection {
        fitted_restores,
        ram_budget_bytes: budget.ram_bytes,
        swap_budget_bytes: budget.swap_bytes,
        footprint,
        thrashing_onset: footprint.and_then(|f| f.count_at(budget.ram_bytes)),
        hard_failure: footprint
            .and_then(|f| f.count_at(budget.ram_bytes.saturating_add(budget.swap_bytes))),
        charge,
        reclaim_onset: charge.and_then(|f| f.count_at(budget.ram_bytes)),
    })
}

/// Least squares of `pick` against the restored count; returns the highest
/// count fitted and the line, `None` without two distinct counts.
fn fit(window: &[&SampleRow], pick: fn(&SampleRow) -> Option<u64>) -> Option<(u64, Fit)> {
    let points: Vec<(f64, f64)> = window
        .iter()
        .filter_map(|s| Some((s.migrated as f64, pick(s)? as f64)))
        .collect();
    let highest = points.iter().map(|p| p.0 as u64).max()?;
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let var_x: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    if var_x == 0.0 {
        return None;
    }
    let cov: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let slope = cov / var_x;
    Some((
        highest,
        Fit {
            bytes_per_container: slope,
            baseline_bytes: mean_y - slope * mean_x,
        },
    ))
}

#[cfg(test)]
#[path = "projection_tests.rs"]
mod tests;

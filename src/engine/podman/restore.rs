//! The end of an import-restore: libpod's answer as [`Restored`], or its
//! error with CRIU's log, and the lines a clone's log inherits.

use super::super::{ContainerSpec, EngineError, Restored};
use super::{wire, PodmanEngine};
use hyper::StatusCode;

impl PodmanEngine {
    /// Notes that a restored clone's log starts with `lines` of its original's.
    pub(super) fn inherits(
        &self,
        restored: Result<Restored, EngineError>,
        lines: usize,
    ) -> Result<Restored, EngineError> {
        if let (Ok(restored), Ok(mut inherited)) = (&restored, self.inherited_lines.lock()) {
            inherited.insert(restored.id.clone(), lines);
        }
        restored
    }

    /// A restore's answer as [`Restored`], or its error with CRIU's log.
    pub(super) async fn restored(
        &self,
        spec: &ContainerSpec,
        answer: Result<(StatusCode, bytes::Bytes), EngineError>,
    ) -> Result<Restored, EngineError> {
        match answer {
            Ok((_, bytes)) => {
                let what = format!("restore container '{}'", spec.name);
                let report: wire::RestoreReport = serde_json::from_slice(&bytes).map_err(|e| {
                    self.client
                        .operation(&what, format!("unexpected answer: {e}"))
                })?;
                Ok(Restored {
                    stats: report.stats(),
                    id: report.id,
                    transfer: None,
                })
            }
            Err(e) => match self.id_of(&spec.name).await {
                Some(id) => Err(self.with_criu_log(e, &id, "restore.log").await),
                None => Err(e),
            },
        }
    }
}

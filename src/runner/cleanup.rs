//! Removing what a run created: its containers (by run label) on every
//! engine, and its checkpoint and staging directories.

use super::owner::live_run_owner;
use crate::engine::{Engine, RUN_LABEL};
use futures_util::{stream, StreamExt};
use std::path::Path;
use std::time::Duration;

/// Removals in flight at once.
const REMOVE_CONCURRENCY: usize = 8;

/// How long one removal may take: a container stuck in a hung CRIU restore
/// (seen with a damaged checkpoint) makes the engine's removal hang too.
const REMOVE_TIMEOUT: Duration = Duration::from_secs(60);

/// What a removal did.
#[derive(Debug, Default)]
pub struct Removal {
    pub removed: usize,
    /// Containers of runs still going, left alone.
    pub spared: usize,
    pub errors: Vec<String>,
}

/// Removes every container labelled with `run_id`, or with `None` those of
/// every run that is no longer going (a live run's are spared).
pub async fn remove_containers(engine: &dyn Engine, run_id: Option<&str>) -> Removal {
    let containers = match engine.list_labelled(RUN_LABEL, run_id).await {
        Ok(containers) => containers,
        Err(e) => {
            return Removal {
                errors: vec![e.to_string()],
                ..Removal::default()
            }
        }
    };
    let found = containers.len();
    let containers: Vec<_> = containers
        .into_iter()
        .filter(|c| run_id.is_some() || live_run_owner(&c.label_value).is_none())
        .collect();
    let spared = found - containers.len();
    let results: Vec<_> = stream::iter(containers)
        .map(|c| async move {
            if let Ok(removed) = tokio::time::timeout(REMOVE_TIMEOUT, engine.remove(&c.id)).await {
                return removed.map_err(|e| e.to_string());
            }
            // Stuck behind a restore that never returned (e.g. the harness was
            // killed during it): end that restore, then the removal goes through.
            engine.abandon_restore(&c.id).await;
            match tokio::time::timeout(REMOVE_TIMEOUT, engine.remove(&c.id)).await {
                Ok(removed) => removed.map_err(|e| e.to_string()),
                Err(_) => Err(format!(
                    "removing container '{}' took over {} s twice, even after ending its restore: the engine is stuck on it; `migbench clean` retries",
                    c.name,
                    REMOVE_TIMEOUT.as_secs()
                )),
            }
        })
        .buffer_unordered(REMOVE_CONCURRENCY)
        .collect()
        .await;
    Removal {
        removed: results.iter().filter(|r| r.is_ok()).count(),
        spared,
        errors: results.into_iter().filter_map(Result::err).collect(),
    }
}

/// Removes a directory tree; gone already is fine.
pub fn remove_dir(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("cannot remove '{}': {e}", dir.display()))
        }
        _ => Ok(()),
    }
}

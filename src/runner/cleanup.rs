//! Removing what a run created: its containers (by run label) on every
//! engine, and its checkpoint and staging directories.

use crate::engine::{Engine, RUN_LABEL};
use futures_util::{stream, StreamExt};
use std::path::Path;
use std::time::Duration;

/// Removals in flight at once.
const REMOVE_CONCURRENCY: usize = 8;

/// How long one removal may take: a container stuck in a hung CRIU restore
/// (seen with a damaged checkpoint) makes the engine's removal hang too.
const REMOVE_TIMEOUT: Duration = Duration::from_secs(60);

/// Removes every container labelled with `run_id` (any run when `None`);
/// returns how many were removed and the errors met.
pub async fn remove_containers(engine: &dyn Engine, run_id: Option<&str>) -> (usize, Vec<String>) {
    let containers = match engine.list_labelled(RUN_LABEL, run_id).await {
        Ok(containers) => containers,
        Err(e) => return (0, vec![e.to_string()]),
    };
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
    let removed = results.iter().filter(|r| r.is_ok()).count();
    let errors = results.into_iter().filter_map(Result::err).collect();
    (removed, errors)
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

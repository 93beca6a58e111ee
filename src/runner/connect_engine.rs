//! Connecting to an engine the run drives, and checking it is ready for
//! its role before anything is created.

use super::run_options::RunError;
use crate::engine::{self, Check, ConnectOptions, Engine, EngineInfo, EngineKind, Role};
use std::sync::Arc;
use std::time::Duration;

/// How much longer than `timeout_s` the engine client waits for an answer: the
/// run's own timeout fires first, so a hang is always a `timeout` row.
const API_TIMEOUT_MARGIN: Duration = Duration::from_secs(10);

/// Connects to an engine and checks it is ready for its `role` (its own
/// readiness checks: mode, runtime, data root); the client waits for any one
/// answer a little longer than the scenario's operation timeout. `options`:
/// the budget an emulated host's containers belong to, SSH access, and how
/// checkpoints reach the engine's store.
pub async fn connect_checked(
    kind: EngineKind,
    endpoint: &str,
    role: Role,
    options: &ConnectOptions,
    op_timeout: Duration,
) -> Result<(Arc<dyn Engine>, EngineInfo), RunError> {
    let name = match role {
        Role::Source => "source",
        Role::Target => "target",
    };
    let not_ready = |e: crate::engine::EngineError| RunError::Environment(format!("{name} {e}"));
    let engine = engine::open(kind, endpoint, op_timeout + API_TIMEOUT_MARGIN, options)
        .await
        .map_err(not_ready)?;
    let info = engine.info().await.map_err(not_ready)?;
    if let Some(refusal) = engine.readiness(role).await.iter().find_map(Check::refusal) {
        return Err(RunError::Environment(format!(
            "{name} {kind} engine '{endpoint}' is not ready: {refusal}"
        )));
    }
    Ok((engine, info))
}

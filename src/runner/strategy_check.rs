//! A strategy the engines of a run cannot run is refused before anything is
//! created, saying why.

use super::run_options::RunError;
use crate::engine::{self, Engine, Strategy};

/// Refuses a strategy the engine does not run, saying why: for post-copy,
/// what CRIU on this machine does with it (a probe of a second or so).
pub async fn refuse_unsupported_strategy(
    engine: &dyn Engine,
    strategy: Strategy,
    name: &str,
) -> Result<(), RunError> {
    if engine.capabilities().supports(strategy) {
        return Ok(());
    }
    let why = match strategy {
        Strategy::PostCopy => match engine::post_copy_probe().await {
            Err(reason) => format!(
                "CRIU here fails a post-copy restore (probe: {reason}); strategy = \"lazy\" \
                 restores lazily from the transferred image instead"
            ),
            Ok(()) => "CRIU here passes a post-copy probe, but migbench does not drive \
                       post-copy migrations yet; use strategy = \"lazy\""
                .into(),
        },
        _ => "its restores cannot do it".into(),
    };
    Err(RunError::Environment(format!(
        "{name} {} engine '{}' does not run strategy = \"{strategy}\": {why}",
        engine.kind(),
        engine.endpoint()
    )))
}

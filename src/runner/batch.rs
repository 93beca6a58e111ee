//! Batch mode, the lab's method: every container is checkpointed, then every
//! checkpoint transferred, then every one restored, then every clone
//! verified; each phase with its own concurrency and pauses.

use super::context::{RunContext, Slot};
use super::drive::drive;
use super::progress::Progress;
use super::{phases, rollback};
use crate::record::Phase;
use crate::scenario::Pacing;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Clones checked at once (batch mode).
const VERIFY_CONCURRENCY: usize = 8;

/// Migrates the launched `slots` phase by phase; `stop` (guard, --fail-fast,
/// interrupt) ends each phase's new operations.
pub async fn migrate(
    ctx: &Arc<RunContext>,
    progress: &Progress,
    slots: Vec<Slot>,
    stop: &CancellationToken,
) -> Vec<Slot> {
    let scenario = ctx.scenario.clone();
    let slots = drive(
        ctx,
        progress,
        Phase::Checkpoint,
        slots,
        scenario.checkpoint,
        stop,
        |c, s| async move { phases::checkpoint(&c, s).await },
    )
    .await;
    let slots = if ctx.staging_root.is_some() {
        drive(
            ctx,
            progress,
            Phase::Transfer,
            slots,
            // Moving files is not paced like the engine operations.
            Pacing {
                concurrency: scenario.checkpoint.concurrency,
                pause: Duration::ZERO,
            },
            stop,
            |c, s| async move { phases::transfer(&c, s).await },
        )
        .await
    } else {
        slots
    };
    let slots = drive(
        ctx,
        progress,
        Phase::Restore,
        slots,
        scenario.restore,
        stop,
        |c, s| async move { phases::restore(&c, s).await },
    )
    .await;
    let verify_pacing = Pacing {
        concurrency: VERIFY_CONCURRENCY,
        pause: Duration::ZERO,
    };
    drive(
        ctx,
        progress,
        Phase::Verify,
        slots,
        verify_pacing,
        // Checking what was restored is quick and is the point of the run: even
        // an interrupted run verifies it (a second signal exits at once).
        &CancellationToken::new(),
        |c, s| async move { rollback::verify_or_roll_back(&c, s).await },
    )
    .await
}

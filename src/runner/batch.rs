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

/// A restore of the batch: in a fleet, the container is placed first and
/// its checkpoint staged on its target (when the target stages them).
async fn deliver(ctx: &RunContext, slot: Slot) -> Slot {
    if ctx.placer.is_none() {
        return phases::restore(ctx, slot).await;
    }
    let slot = phases::place_and_stage(ctx, slot).await;
    phases::restore(ctx, slot).await
}

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
    // A fleet places each container as its restore begins, and stages its
    // checkpoint on its target then (see `deliver`).
    let slots = if ctx.placer.is_none() && ctx.targets[0].staging_root.is_some() {
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
        |c, s| async move { deliver(&c, s).await },
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

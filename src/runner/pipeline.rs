//! Pipeline mode, live migration: each container goes checkpoint -> transfer
//! -> restore -> verify as one migration, `in_flight` migrations at once, each
//! step capped by its phase's concurrency; a worker pauses after each
//! migration (`checkpoint.pause_ms` + `restore.pause_ms`). A stop (guard,
//! interrupt, --fail-fast) lets the migrations in flight finish and starts no
//! new one: the containers not reached keep running on the source until
//! cleanup, each recorded `not_migrated`.

use super::context::{RunContext, Slot};
use super::drive::{drive_slots, Drive};
use super::progress::Progress;
use super::{phases, rollback};
use crate::record::{Outcome, Phase};
use crate::scenario::Pacing;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// The per-step caps: a phase's concurrency still bounds its step.
struct StepLimits {
    checkpoint: Semaphore,
    restore: Semaphore,
}

/// Migrates the launched `slots` one by one, several in flight.
pub async fn migrate(
    ctx: &Arc<RunContext>,
    progress: &Progress,
    slots: Vec<Slot>,
    stop: &CancellationToken,
) -> Vec<Slot> {
    let scenario = ctx.scenario.clone();
    ctx.live.set_pipeline(true);
    let limits = Arc::new(StepLimits {
        checkpoint: Semaphore::new(scenario.checkpoint.concurrency),
        restore: Semaphore::new(scenario.restore.concurrency),
    });
    let pacing = Pacing {
        concurrency: scenario.in_flight,
        pause: scenario.checkpoint.pause + scenario.restore.pause,
    };
    let drive = Drive {
        bar: progress.migration_bar(slots.len() as u64),
        // Which step panicked is unknown: the migration as a whole failed.
        panic_phase: Phase::Verify,
        pacing,
        unreached: Box::new(|ctx, slot, _stop| not_migrated(ctx, slot)),
    };
    drive_slots(ctx, drive, slots, stop, move |ctx, slot| {
        let limits = limits.clone();
        async move { migrate_one(&ctx, &limits, slot).await }
    })
    .await
}

/// One container's migration: each step records its row (a step after a
/// failed one records a skip).
async fn migrate_one(ctx: &RunContext, limits: &StepLimits, slot: Slot) -> Slot {
    let slot = {
        // A closed semaphore cannot happen (never closed): then no cap applies.
        let _permit = limits.checkpoint.acquire().await.ok();
        phases::checkpoint(ctx, slot).await
    };
    let slot = phases::place_and_stage(ctx, slot).await;
    let slot = {
        let _permit = limits.restore.acquire().await.ok();
        phases::restore(ctx, slot).await
    };
    rollback::verify_or_roll_back(ctx, slot).await
}

/// Records a container the run stopped before migrating: it stays on the source.
fn not_migrated(ctx: &RunContext, slot: &mut Slot) {
    let mut row = ctx.row(Phase::Checkpoint, slot);
    row.outcome = Outcome::NotMigrated;
    row.error = "the run stopped before this migration began: left running on the source".into();
    ctx.emit(row);
    slot.stopped_at = Some(Phase::Checkpoint);
    let why = "not migrated";
    let later: &[Phase] = if ctx.target_of(slot).has_transfer() {
        &[Phase::Transfer, Phase::Restore, Phase::Verify]
    } else {
        &[Phase::Restore, Phase::Verify]
    };
    for phase in later {
        ctx.skip(*phase, slot, why);
    }
}

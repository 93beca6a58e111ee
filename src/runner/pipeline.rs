//! Pipeline mode, live migration: each container goes checkpoint -> transfer
//! -> restore -> verify as one migration, `in_flight` migrations at once, each
//! step capped by its phase's concurrency; a worker pauses after each
//! migration (`checkpoint.pause_ms` + `restore.pause_ms`). A stop (guard,
//! interrupt, --fail-fast) lets the migrations in flight finish and starts no
//! new one: the containers not reached keep running on the source until
//! cleanup, each recorded `not_migrated`.

use super::context::{RunContext, Slot};
use super::pool;
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
    let bar = progress.migration_bar(slots.len() as u64);
    let (worker_ctx, worker_bar) = (ctx.clone(), bar.clone());
    let panic_ctx = ctx.clone();
    let on_panic = Arc::new(move |mut slot: Slot, panic: String| {
        // Which step panicked is unknown: the migration as a whole failed.
        panic_ctx.record_panic(Phase::Verify, &mut slot, &panic);
        slot
    });
    let result = pool::run_paced(
        slots,
        pacing,
        stop.clone(),
        move |slot| {
            let (ctx, bar, limits) = (worker_ctx.clone(), worker_bar.clone(), limits.clone());
            async move {
                let slot = migrate_one(&ctx, &limits, slot).await;
                bar.inc(1);
                // The guard judges this migration's rows before the next begins.
                ctx.recorded().await;
                slot
            }
        },
        on_panic,
    )
    .await;
    bar.finish();
    let mut slots = result.done;
    for mut slot in result.not_started {
        not_migrated(ctx, &mut slot);
        slots.push(slot);
    }
    slots.sort_by_key(|s| s.index);
    slots
}

/// One container's migration: each step records its row (a step after a
/// failed one records a skip).
async fn migrate_one(ctx: &RunContext, limits: &StepLimits, slot: Slot) -> Slot {
    let slot = {
        // A closed semaphore cannot happen (never closed): then no cap applies.
        let _permit = limits.checkpoint.acquire().await.ok();
        phases::checkpoint(ctx, slot).await
    };
    let slot = if ctx.staging_root.is_some() {
        phases::transfer(ctx, slot).await
    } else {
        slot
    };
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
    let later: &[Phase] = if ctx.staging_root.is_some() || ctx.transfer_in_restore {
        &[Phase::Transfer, Phase::Restore, Phase::Verify]
    } else {
        &[Phase::Restore, Phase::Verify]
    };
    for phase in later {
        ctx.skip(*phase, slot, why);
    }
}

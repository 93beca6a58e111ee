//! The one driver of every container operation, batch phases and pipeline
//! migrations alike: a paced pool over the slots, a progress bar, a panic in
//! an operation recorded as its slot's failure, the guard judging each slot's
//! rows before its worker takes the next, and the slots a stop left unreached
//! recorded as the mode says (a skip per phase, or `not_migrated`). Every
//! slot comes back, in container order, with its rows.

use super::context::{RunContext, Slot};
use super::pool;
use super::progress::Progress;
use crate::record::Phase;
use crate::scenario::Pacing;
use indicatif::ProgressBar;
use std::future::Future;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What a stop does to the slots it left unreached.
pub type Unreached = Box<dyn Fn(&RunContext, &mut Slot, &CancellationToken)>;

/// How one drive goes.
pub struct Drive {
    pub bar: ProgressBar,
    /// The phase a panicking operation is recorded under.
    pub panic_phase: Phase,
    pub pacing: Pacing,
    pub unreached: Unreached,
}

/// Runs `operation` over every slot as `drive` says; `stop` ends new operations.
pub async fn drive_slots<F, Fut>(
    ctx: &Arc<RunContext>,
    drive: Drive,
    slots: Vec<Slot>,
    stop: &CancellationToken,
    operation: F,
) -> Vec<Slot>
where
    F: Fn(Arc<RunContext>, Slot) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Slot> + Send + 'static,
{
    let (worker_ctx, worker_bar) = (ctx.clone(), drive.bar.clone());
    let operation = Arc::new(operation);
    let panic_ctx = ctx.clone();
    let panic_phase = drive.panic_phase;
    let on_panic = Arc::new(move |mut slot: Slot, panic: String| {
        panic_ctx.record_panic(panic_phase, &mut slot, &panic);
        slot
    });
    let result = pool::run_paced(
        slots,
        drive.pacing,
        stop.clone(),
        move |slot| {
            let (ctx, bar, operation) = (worker_ctx.clone(), worker_bar.clone(), operation.clone());
            async move {
                let slot = operation(ctx.clone(), slot).await;
                bar.inc(1);
                // The guard judges this slot's rows before the worker takes the next.
                ctx.recorded().await;
                slot
            }
        },
        on_panic,
    )
    .await;
    drive.bar.finish();
    let mut slots = result.done;
    for mut slot in result.not_started {
        (drive.unreached)(ctx, &mut slot, stop);
        slots.push(slot);
    }
    slots.sort_by_key(|s| s.index);
    slots
}

/// Runs one batch phase over all slots; slots it never reached get a skip row.
pub async fn drive<F, Fut>(
    ctx: &Arc<RunContext>,
    progress: &Progress,
    phase: Phase,
    slots: Vec<Slot>,
    pacing: Pacing,
    stop: &CancellationToken,
    operation: F,
) -> Vec<Slot>
where
    F: Fn(Arc<RunContext>, Slot) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Slot> + Send + 'static,
{
    ctx.live.set_phase(phase);
    let drive = Drive {
        bar: progress.phase_bar(phase, slots.len() as u64),
        panic_phase: phase,
        pacing,
        unreached: Box::new(move |ctx, slot, stop| {
            let why = if stop.is_cancelled() {
                "not started: the run was stopped"
            } else {
                "not started"
            };
            // A checkpoint that crosses inside its restore (or, in a
            // fleet, is staged as its restore begins) has its transfer row
            // there: a restore never started skips both.
            let target = ctx.target_of(slot);
            let transfer_here = target.transfer_in_restore
                || (ctx.placer.is_some() && target.staging_root.is_some());
            if phase == Phase::Restore && transfer_here {
                ctx.skip(Phase::Transfer, slot, why);
            }
            ctx.skip(phase, slot, why);
        }),
    };
    drive_slots(ctx, drive, slots, stop, operation).await
}

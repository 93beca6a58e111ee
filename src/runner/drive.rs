//! One phase over every container, by a paced pool: each slot gets exactly
//! one row for the phase, even the slots the phase never reached.

use super::context::{RunContext, Slot};
use super::pool;
use super::progress::Progress;
use crate::record::Phase;
use crate::scenario::Pacing;
use std::future::Future;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Runs one phase over all slots; slots the phase never reached get a row too.
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
    let bar = progress.phase_bar(phase, slots.len() as u64);
    let (worker_ctx, worker_bar) = (ctx.clone(), bar.clone());
    let operation = Arc::new(operation);
    let panic_ctx = ctx.clone();
    let on_panic = Arc::new(move |mut slot: Slot, panic: String| {
        panic_ctx.record_panic(phase, &mut slot, &panic);
        slot
    });
    let result = pool::run_paced(
        slots,
        pacing,
        stop.clone(),
        move |slot| {
            let (ctx, bar, operation) = (worker_ctx.clone(), worker_bar.clone(), operation.clone());
            async move {
                let slot = operation(ctx.clone(), slot).await;
                bar.inc(1);
                // The guard judges this row before the worker takes the next item.
                ctx.recorded().await;
                slot
            }
        },
        on_panic,
    )
    .await;
    bar.finish();
    let mut slots = result.done;
    let why = if stop.is_cancelled() {
        "not started: the run was stopped"
    } else {
        "not started"
    };
    for mut slot in result.not_started {
        ctx.skip(phase, &mut slot, why);
        slots.push(slot);
    }
    slots.sort_by_key(|s| s.index);
    slots
}

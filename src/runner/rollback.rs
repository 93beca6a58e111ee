//! Rollback: a container whose transfer or restore failed (or timed out, or
//! was never started because the run stopped) is restored on its source from
//! its own checkpoint, the engine's way, and checked like any migration. A
//! failed migration then costs time, not the container: live-migration tools
//! keep the source until the target runs it. Only if the rollback fails too
//! is its state lost.

use super::context::{RunContext, Slot};
use super::verify::{check_container, read_last_counter, verify, Check};
use crate::record::{Outcome, Phase};
use crate::scenario::OnFailure;

/// The last step of a migration: its clone checked, or, when it failed
/// before its clone ran, the container rolled back and checked on its source.
pub async fn verify_or_roll_back(ctx: &RunContext, slot: Slot) -> Slot {
    if is_due(ctx, &slot) {
        roll_back(ctx, slot).await
    } else {
        verify(ctx, slot).await
    }
}

/// Whether `slot` is a migration that failed before its clone ran, with its
/// checkpoint kept, under `on_failure = "rollback"`.
fn is_due(ctx: &RunContext, slot: &Slot) -> bool {
    ctx.scenario.on_failure == OnFailure::Rollback
        && !slot.restored
        && slot.source_checkpoint.is_some()
        && matches!(slot.stopped_at, Some(Phase::Transfer | Phase::Restore))
}

/// Restores `slot`'s container on its source, records the rollback row, then
/// the verify row: `rolled_back` when it continued there, lost otherwise.
async fn roll_back(ctx: &RunContext, mut slot: Slot) -> Slot {
    let failed_at = slot.stopped_at.map_or("migration", |p| p.as_str());
    let Some(checkpoint) = slot.source_checkpoint.clone() else {
        ctx.skip(Phase::Verify, &mut slot, "not restored");
        return slot;
    };
    let spec = super::container_spec::spec(ctx, &slot, slot.made_name("b"));
    let created = std::sync::OnceLock::new();
    let timed = ctx
        .timed(ctx.source.restore(&spec, &checkpoint, &created))
        .await;
    let (mut row, restored) = ctx.timed_row(ctx.row(Phase::Rollback, &slot), timed);
    let back_id = restored
        .as_ref()
        .map(|r| r.id.clone())
        .or_else(|| created.get().cloned());
    row.container_id = back_id.clone().unwrap_or_default();
    if let Some(restored) = &restored {
        row.set_criu_stats(&restored.stats);
    }
    if let (Outcome::Timeout, Some(id)) = (row.outcome, &back_id) {
        super::phases::abandon_hung_restore(ctx, ctx.source.as_ref(), &mut row, id).await;
    }
    let rollback_error = row.error.clone();
    ctx.emit(row);

    let mut verify = ctx.row(Phase::Verify, &slot);
    verify.container_id = back_id.clone().unwrap_or_default();
    let (check, first) = match (restored, back_id) {
        (Some(_), Some(id)) => match read_last_counter(ctx, &mut slot).await {
            Err(why) => (Check::Unchecked(why), None),
            Ok(()) => {
                let (check, first, _stop) =
                    check_container(ctx, ctx.source.as_ref(), slot.before, &id).await;
                (check, first)
            }
        },
        _ => (
            Check::Lost(format!(
                "its {failed_at} failed, and so did its rollback to the source: {rollback_error}"
            )),
            None,
        ),
    };
    verify.end_ms = ctx.now_ms();
    verify.latency_ms = crate::event::round_us(verify.end_ms - verify.start_ms);
    verify.seq_before = slot.before.map(|b| b.seq);
    verify.seq_after = first.map(|f| f.seq);
    verify.outcome = match check {
        Check::Continued => Outcome::RolledBack,
        ref other => other.outcome(),
    };
    verify.error = match check {
        Check::Continued => format!(
            "its {failed_at} failed: rolled back to the source, where it continued at seq {}",
            first.map_or(0, |f| f.seq)
        ),
        other => format!(
            "rolled back to the source after its {failed_at} failed, but {}",
            other.error()
        ),
    };
    ctx.emit(verify);
    slot
}

//! The transfer row of a checkpoint that crossed to the target inside its
//! restore (an engine that takes the checkpoint as the restore request's
//! body). There is no transfer phase then: the engine measures the upload
//! from inside the request, and this row holds it. The restore row still
//! times the whole request, upload included, as the lab timed a restore;
//! the transfer row is the first part of it, not time before it, so the two
//! never add up. The downtime's parts take the upload as their transfer
//! part and only what follows it as their restore part.

use super::context::{RunContext, Slot};
use crate::engine::{Restored, Transferred};
use crate::event::round_us;
use crate::record::{OpRecord, Outcome, Phase};

/// Records the transfer row of a restore that ran, from what its engine
/// measured (`restored`: `Ok(None)` when the restore failed after its
/// upload, `Err` with why when the checkpoint never reached the target),
/// and times the slot's downtime parts from it.
pub fn record(ctx: &RunContext, slot: &mut Slot, restored: Result<Option<&Restored>, &str>) {
    let mut row = ctx.row(Phase::Transfer, slot);
    let restored = match restored {
        Ok(restored) => restored,
        Err(undelivered) => {
            // The upload was the restore request's first part: it spans the request.
            row.start_ms = slot.timings.restore_start_ms.unwrap_or(row.start_ms);
            row.end_ms = slot.timings.restore_end_ms.unwrap_or(row.end_ms);
            row.latency_ms = round_us(row.end_ms - row.start_ms);
            row.outcome = Outcome::Failed;
            row.error = undelivered.to_string();
            ctx.emit(row);
            return;
        }
    };
    match restored.and_then(|r| r.transfer) {
        Some(transfer) => {
            fill(ctx, &mut row, transfer);
            slot.timings.transfer_ms = Some(row.latency_ms);
            // The restore part of the downtime starts when the upload ended.
            slot.timings.restore_start_ms = Some(row.end_ms);
        }
        None => {
            row.error = match restored {
                Some(_) => "the engine did not measure the upload inside its restore".into(),
                None => "the restore failed: its upload is not measured apart from it".into(),
            };
            if ctx.interrupt.is_cancelled() {
                row.outcome = Outcome::Interrupted;
            }
        }
    }
    ctx.emit(row);
}

/// A successful transfer row from the upload's own marks.
fn fill(ctx: &RunContext, row: &mut OpRecord, transfer: Transferred) {
    let run_ms = |at: std::time::Instant| {
        round_us(at.saturating_duration_since(ctx.started).as_secs_f64() * 1000.0)
    };
    row.start_ms = run_ms(transfer.started);
    row.end_ms = run_ms(transfer.ended);
    row.latency_ms = round_us(row.end_ms - row.start_ms);
    let wall_ms = ctx.started_unix_ms + row.start_ms;
    if let Some(at) = chrono::DateTime::from_timestamp_millis(wall_ms as i64) {
        row.started_at = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    }
    row.bytes = Some(transfer.bytes);
    row.outcome = Outcome::Ok;
    row.set_rate();
}

//! A container's downtime, as its workload measured it, and the parts the
//! harness's own timings explain: freeze to checkpoint end, transfer, restore,
//! restore end to the first tick, and what is left: waiting between steps (in
//! a batch, for the rest of the batch). Where the checkpoint crosses to the
//! target inside its restore request, the transfer part is that upload and
//! the restore part starts at its end (see `upload`): nothing counts twice.

use super::context::StepTimings;
use super::lines::ResumedLine;
use crate::event::round_us;
use crate::record::OpRecord;

/// Fills the row's downtime columns from the workload's stop and the steps'
/// timings; `started_unix_ms` is the wall clock at the run's start.
pub fn record(row: &mut OpRecord, stop: &ResumedLine, timings: &StepTimings, started_unix_ms: f64) {
    // The workload's wall-clock times, as ms since the run started.
    let run_ms = |unix_ms: u64| unix_ms as f64 - started_unix_ms;
    let frozen_at = run_ms(stop.last_tick_unix_ms);
    let resumed_at = run_ms(stop.unix_ms);
    let total = stop.stopped_ms as f64;
    let checkpoint = timings
        .checkpoint_end_ms
        .map(|end| (end - frozen_at).clamp(0.0, total));
    let transfer = timings.transfer_ms.map(|t| t.clamp(0.0, total));
    // The process may run again before the engine's start call returns: the
    // restore part ends at whichever came first.
    let restore = match (timings.restore_start_ms, timings.restore_end_ms) {
        (Some(start), Some(end)) => Some((end.min(resumed_at) - start).clamp(0.0, total)),
        _ => None,
    };
    let resume = timings
        .restore_end_ms
        .map(|end| (resumed_at - end).clamp(0.0, total));
    let mut parts = [checkpoint, transfer, restore, resume];
    // Two clocks (the workload's wall clock, the harness's monotonic one) can
    // disagree by a few ms: what the parts overshoot is taken from the
    // largest, so they add up to the measured downtime.
    let overshoot = parts.iter().flatten().sum::<f64>() - total;
    if overshoot > 0.0 {
        if let Some(largest) = parts.iter_mut().flatten().max_by(|a, b| a.total_cmp(b)) {
            *largest = (*largest - overshoot).max(0.0);
        }
    }
    let [checkpoint, transfer, restore, resume] = parts;
    let explained: f64 = parts.iter().flatten().sum();
    row.downtime_ms = Some(total);
    row.downtime_checkpoint_ms = checkpoint.map(round_us);
    row.downtime_transfer_ms = transfer.map(round_us);
    row.downtime_restore_ms = restore.map(round_us);
    row.downtime_resume_ms = resume.map(round_us);
    row.downtime_waiting_ms = Some(round_us((total - explained).max(0.0)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Outcome, Phase};

    fn empty_row() -> OpRecord {
        OpRecord {
            outcome: Outcome::Ok,
            ..OpRecord::new(Phase::Verify, 0)
        }
    }

    #[test]
    fn the_parts_add_up_to_the_measured_downtime() {
        // Run started at unix 1_000_000 ms; frozen at run 1000 ms, resumed at 2000.
        let stop = ResumedLine {
            stopped_ms: 1000,
            last_tick_unix_ms: 1_001_000,
            unix_ms: 1_002_000,
            after_seq: 5,
        };
        let timings = StepTimings {
            checkpoint_end_ms: Some(1200.0),
            transfer_ms: Some(100.0),
            restore_start_ms: Some(1500.0),
            restore_end_ms: Some(1900.0),
        };
        let mut row = empty_row();
        record(&mut row, &stop, &timings, 1_000_000.0);
        assert_eq!(row.downtime_ms, Some(1000.0));
        assert_eq!(row.downtime_checkpoint_ms, Some(200.0));
        assert_eq!(row.downtime_transfer_ms, Some(100.0));
        assert_eq!(row.downtime_restore_ms, Some(400.0));
        assert_eq!(row.downtime_resume_ms, Some(100.0));
        // 1200 -> 1500 less the 100 ms transfer: waiting.
        assert_eq!(row.downtime_waiting_ms, Some(200.0));
    }

    #[test]
    fn parts_never_exceed_the_downtime() {
        let stop = ResumedLine {
            stopped_ms: 100,
            last_tick_unix_ms: 1_000,
            unix_ms: 1_100,
            after_seq: 1,
        };
        let timings = StepTimings {
            checkpoint_end_ms: Some(5_000.0),
            transfer_ms: None,
            restore_start_ms: None,
            restore_end_ms: None,
        };
        let mut row = empty_row();
        record(&mut row, &stop, &timings, 0.0);
        assert_eq!(row.downtime_checkpoint_ms, Some(100.0));
        assert_eq!(row.downtime_waiting_ms, Some(0.0));
        assert_eq!(row.downtime_restore_ms, None);
    }

    #[test]
    fn a_process_running_before_its_restore_returns_ends_the_restore_part() {
        // Frozen at 0, resumed at 900; the start call returned at 1000.
        let stop = ResumedLine {
            stopped_ms: 900,
            last_tick_unix_ms: 0,
            unix_ms: 900,
            after_seq: 1,
        };
        let timings = StepTimings {
            checkpoint_end_ms: Some(300.0),
            transfer_ms: None,
            restore_start_ms: Some(400.0),
            restore_end_ms: Some(1000.0),
        };
        let mut row = empty_row();
        record(&mut row, &stop, &timings, 0.0);
        assert_eq!(row.downtime_restore_ms, Some(500.0));
        assert_eq!(row.downtime_resume_ms, Some(0.0));
        assert_eq!(row.downtime_waiting_ms, Some(100.0));
    }
}

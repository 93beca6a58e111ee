//! Verification of live state: the restored clone's first counter must be the
//! original's last counter plus one, and its counters must run on from there
//! without a restart. An engine that cannot be asked leaves the clone
//! unchecked, not lost.

use super::context::{RunContext, Slot};
use super::lines::{CounterLine, ResumedLine};
use crate::engine::Engine;
use crate::record::{Outcome, Phase};
use std::time::{Duration, Instant};

/// What the check of one clone found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// It continued where the original stopped, and still runs.
    Continued,
    /// Checked, and the state did not survive: why.
    Lost(String),
    /// The check could not be made (an engine did not answer): why. Neither
    /// continued nor lost.
    Unchecked(String),
}

impl Check {
    pub fn outcome(&self) -> Outcome {
        match self {
            Check::Continued => Outcome::Ok,
            Check::Lost(_) => Outcome::Failed,
            Check::Unchecked(_) => Outcome::Unchecked,
        }
    }

    pub fn error(self) -> String {
        match self {
            Check::Continued => String::new(),
            Check::Lost(why) | Check::Unchecked(why) => why,
        }
    }
}

/// Judges the clone's counter lines (all of them, in order) against the
/// original's last one: the first must be the next, and each the one after the
/// line before it (a clone that restarted begins again at 1).
pub fn judge_counters(before: Option<CounterLine>, clone: &[CounterLine]) -> Check {
    let Some(before) = before else {
        return Check::Lost("the original printed no counter before its checkpoint".into());
    };
    let Some(first) = clone.first() else {
        return Check::Lost("the clone printed no counter".into());
    };
    if first.seq != before.seq + 1 {
        return Check::Lost(format!(
            "state not continued: original stopped at seq {}, clone started at seq {}",
            before.seq, first.seq
        ));
    }
    match clone.windows(2).find(|pair| pair[1].seq != pair[0].seq + 1) {
        Some(pair) => Check::Lost(format!(
            "state not kept: the clone continued at seq {}, then went from seq {} to seq {} (it restarted)",
            first.seq, pair[0].seq, pair[1].seq
        )),
        None => Check::Continued,
    }
}

/// Checks one restored clone and records the verify row.
pub async fn verify(ctx: &RunContext, mut slot: Slot) -> Slot {
    let (Some(clone_id), true) = (slot.clone_id.clone(), slot.restored) else {
        ctx.skip(Phase::Verify, &mut slot, "not restored");
        return slot;
    };
    let source_error = read_last_counter(ctx, &mut slot).await.err();
    let mut row = ctx.row(Phase::Verify, &slot);
    row.container_id = clone_id.clone();
    row.start_ms = ctx.now_ms();
    let (check, first, stop) = match source_error {
        Some(error) => (Check::Unchecked(error), None, None),
        None => {
            let target = ctx.target_of(&slot).engine.clone();
            check_container(ctx, target.as_ref(), slot.before, &clone_id).await
        }
    };
    row.end_ms = ctx.now_ms();
    row.latency_ms = crate::event::round_us(row.end_ms - row.start_ms);
    row.seq_before = slot.before.map(|b| b.seq);
    row.seq_after = first.map(|after| after.seq);
    if let Some(stop) = stop {
        super::downtime_from_log::record(&mut row, &stop, &slot.timings, ctx.started_unix_ms);
    }
    row.outcome = check.outcome();
    row.error = check.error();
    if !row.outcome.is_ok() {
        slot.stopped_at.get_or_insert(Phase::Verify);
    }
    ctx.emit(row);
    slot
}

/// The original's last counter before its checkpoint, from the stopped
/// original's output (kept by its engine), into `slot.before`; the reason
/// when it could not be read.
pub async fn read_last_counter(ctx: &RunContext, slot: &mut Slot) -> Result<(), String> {
    if let (None, Some(source_id)) = (slot.before, slot.source_id.as_deref()) {
        let lines =
            ctx.source.log_lines(source_id).await.map_err(|e| {
                format!("not verified: the original's output could not be read: {e}")
            })?;
        slot.before = CounterLine::last_of(&lines);
    }
    Ok(())
}

/// Reads the counters of the container `clone_id` on `engine` (waiting for
/// its first), judges them, and asks whether it still runs; returns the
/// check, its first counter and the stop the workload measured.
pub async fn check_container(
    ctx: &RunContext,
    engine: &dyn Engine,
    before: Option<CounterLine>,
    clone_id: &str,
) -> (Check, Option<CounterLine>, Option<ResumedLine>) {
    let Some(before_line) = before else {
        return (judge_counters(None, &[]), None, None);
    };
    let started = Instant::now();
    // The clone prints its next line at most one interval after its restore.
    let deadline = ctx.scenario.log_interval * 3 + Duration::from_secs(10);
    let (counters, stop) = loop {
        match engine.log_lines(clone_id).await {
            Ok(lines) => {
                let counters: Vec<CounterLine> =
                    lines.iter().filter_map(|l| CounterLine::parse(l)).collect();
                if !counters.is_empty() {
                    // The workload says it resumed before it prints its next counter.
                    break (
                        counters,
                        ResumedLine::migration_stop(&lines, before_line.seq),
                    );
                }
            }
            Err(e) => {
                let why = format!("not verified: the clone's output could not be read: {e}");
                return (Check::Unchecked(why), None, None);
            }
        }
        if started.elapsed() > deadline {
            let why = format!(
                "the clone printed no counter within {} ms of the check",
                deadline.as_millis()
            );
            return (Check::Lost(why), None, None);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let first = counters.first().copied();
    let check = match judge_counters(before, &counters) {
        Check::Continued => match engine.is_running(clone_id).await {
            Ok(true) => Check::Continued,
            // It continued, then died: not a working migration.
            Ok(false) => Check::Lost(format!(
                "the clone continued at seq {} {}",
                first.map_or(0, |f| f.seq),
                crate::summary::DIED_AFTER_CONTINUING
            )),
            Err(e) => Check::Unchecked(format!(
                "not verified: whether the clone still runs could not be asked: {e}"
            )),
        },
        other => other,
    };
    (check, first, stop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counters(seqs: &[u64]) -> Vec<CounterLine> {
        seqs.iter()
            .map(|&seq| CounterLine {
                seq,
                unix_ms: 1000 * seq,
            })
            .collect()
    }

    #[test]
    fn a_clone_that_runs_on_from_the_original_continued() {
        let before = counters(&[6]).first().copied();
        assert_eq!(
            judge_counters(before, &counters(&[7, 8, 9])),
            Check::Continued
        );
    }

    #[test]
    fn a_clone_that_started_afresh_lost_its_state() {
        let before = counters(&[6]).first().copied();
        let Check::Lost(why) = judge_counters(before, &counters(&[1, 2])) else {
            panic!("lost");
        };
        assert!(
            why.contains("original stopped at seq 6, clone started at seq 1"),
            "{why}"
        );
    }

    #[test]
    fn a_clone_that_restarted_after_its_restore_lost_its_state() {
        // Its log keeps the lines it printed before the restart.
        let before = counters(&[6]).first().copied();
        let Check::Lost(why) = judge_counters(before, &counters(&[7, 8, 1, 2])) else {
            panic!("lost");
        };
        assert!(why.contains("from seq 8 to seq 1 (it restarted)"), "{why}");
    }

    #[test]
    fn an_original_without_a_counter_cannot_be_continued() {
        assert!(matches!(
            judge_counters(None, &counters(&[1])),
            Check::Lost(_)
        ));
    }

    #[test]
    fn an_engine_error_is_unchecked_not_lost() {
        let check = Check::Unchecked("not verified: connection refused".into());
        assert_eq!(check.outcome(), Outcome::Unchecked);
        assert!(!check.outcome().is_lost());
        assert_eq!(Check::Lost("x".into()).outcome(), Outcome::Failed);
    }
}

//! Verification of live state: the restored clone's first counter must be the
//! original's last counter plus one.

use super::context::{RunContext, Slot};
use crate::record::{Outcome, Phase};
use std::time::{Duration, Instant};

/// One line of workload output: `seq=<n> unix_ms=<ms>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterLine {
    pub seq: u64,
    pub unix_ms: u64,
}

impl CounterLine {
    pub fn parse(line: &str) -> Option<CounterLine> {
        let mut seq = None;
        let mut unix_ms = None;
        for field in line.split_whitespace() {
            match field.split_once('=') {
                Some(("seq", v)) => seq = v.parse().ok(),
                Some(("unix_ms", v)) => unix_ms = v.parse().ok(),
                _ => {}
            }
        }
        Some(CounterLine {
            seq: seq?,
            unix_ms: unix_ms?,
        })
    }

    /// The last counter line among `lines`.
    pub fn last_of(lines: &[String]) -> Option<CounterLine> {
        lines.iter().rev().find_map(|l| CounterLine::parse(l))
    }

    /// The first counter line among `lines`.
    pub fn first_of(lines: &[String]) -> Option<CounterLine> {
        lines.iter().find_map(|l| CounterLine::parse(l))
    }
}

/// Checks one restored clone and records the verify row.
pub async fn verify(ctx: &RunContext, mut slot: Slot) -> Slot {
    let (Some(clone_id), true) = (slot.clone_id.clone(), slot.restored) else {
        ctx.skip(Phase::Verify, &mut slot, "not restored");
        return slot;
    };
    // The stopped original keeps its output: its last counter before the checkpoint.
    if let (None, Some(source_id)) = (slot.before, slot.source_id.as_deref()) {
        slot.before = match ctx.source.log_lines(source_id).await {
            Ok(lines) => CounterLine::last_of(&lines),
            Err(_) => None,
        };
    }
    let mut row = ctx.row(Phase::Verify, &slot);
    row.container_id = clone_id.clone();
    row.start_ms = ctx.now_ms();
    let started = Instant::now();
    // The clone prints its next line at most one interval after its restore.
    let deadline = ctx.scenario.log_interval * 3 + Duration::from_secs(10);
    let first = loop {
        match ctx.target.log_lines(&clone_id).await {
            Ok(lines) => {
                if let Some(first) = CounterLine::first_of(&lines) {
                    break Ok(first);
                }
            }
            Err(e) => break Err(e.to_string()),
        }
        if started.elapsed() > deadline {
            break Err(format!(
                "the clone printed no counter within {} ms of the check",
                deadline.as_millis()
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    row.end_ms = ctx.now_ms();
    row.latency_ms = super::context::round_us(row.end_ms - row.start_ms);
    row.seq_before = slot.before.map(|b| b.seq);
    match (slot.before, first) {
        (Some(before), Ok(after)) => {
            row.seq_after = Some(after.seq);
            row.service_gap_ms = Some(after.unix_ms.saturating_sub(before.unix_ms) as f64);
            if after.seq != before.seq + 1 {
                row.outcome = Outcome::Failed;
                row.error = format!(
                    "state not continued: original stopped at seq {}, clone started at seq {}",
                    before.seq, after.seq
                );
            } else if !ctx.target.is_running(&clone_id).await.unwrap_or(false) {
                // It continued, then died: not a working migration.
                row.outcome = Outcome::Failed;
                row.error = format!(
                    "the clone continued at seq {} but is no longer running",
                    after.seq
                );
            } else {
                row.outcome = Outcome::Ok;
            }
        }
        (None, _) => {
            row.outcome = Outcome::Failed;
            row.error = "the original printed no counter before its checkpoint".into();
        }
        (Some(_), Err(error)) => {
            row.outcome = Outcome::Failed;
            row.error = error;
        }
    }
    if !row.outcome.is_ok() {
        slot.stopped_at.get_or_insert(Phase::Verify);
    }
    ctx.emit(row);
    slot
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_workload_lines() {
        assert_eq!(
            CounterLine::parse("seq=42 unix_ms=1700000000123"),
            Some(CounterLine {
                seq: 42,
                unix_ms: 1_700_000_000_123
            })
        );
        assert_eq!(CounterLine::parse("garbage"), None);
        assert_eq!(CounterLine::parse("seq=x unix_ms=1"), None);
    }

    #[test]
    fn first_and_last_skip_noise() {
        let lines: Vec<String> = [
            "noise",
            "seq=1 unix_ms=10",
            "seq=2 unix_ms=20",
            "tail noise",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(CounterLine::first_of(&lines).map(|l| l.seq), Some(1));
        assert_eq!(CounterLine::last_of(&lines).map(|l| l.seq), Some(2));
    }
}

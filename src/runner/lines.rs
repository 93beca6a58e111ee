//! The workload's output, as the harness reads it (workload/main.rs writes it):
//! counter lines `seq=<n> unix_ms=<ms>`, and the line it prints when it finds
//! it was stopped, `resumed stopped_ms=<gap> last_tick_unix_ms=<t0>
//! unix_ms=<t1> after_seq=<n>`.

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

/// The workload's own measure of a stop: two ticks `stopped_ms` apart, the
/// last before the stop at `last_tick_unix_ms`, the first after at `unix_ms`,
/// while its counter stood at `after_seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResumedLine {
    pub stopped_ms: u64,
    pub last_tick_unix_ms: u64,
    pub unix_ms: u64,
    pub after_seq: u64,
}

impl ResumedLine {
    pub fn parse(line: &str) -> Option<ResumedLine> {
        let mut fields = line.split_whitespace();
        if fields.next() != Some("resumed") {
            return None;
        }
        let (mut stopped, mut last_tick, mut unix_ms, mut after_seq) = (None, None, None, None);
        for field in fields {
            match field.split_once('=') {
                Some(("stopped_ms", v)) => stopped = v.parse().ok(),
                Some(("last_tick_unix_ms", v)) => last_tick = v.parse().ok(),
                Some(("unix_ms", v)) => unix_ms = v.parse().ok(),
                Some(("after_seq", v)) => after_seq = v.parse().ok(),
                _ => {}
            }
        }
        Some(ResumedLine {
            stopped_ms: stopped?,
            last_tick_unix_ms: last_tick?,
            unix_ms: unix_ms?,
            after_seq: after_seq?,
        })
    }

    /// The stop that a migration caused: the longest one while the counter
    /// stood at the original's last value `before_seq` (a tick delayed by
    /// load at another moment is not the migration).
    pub fn migration_stop(lines: &[String], before_seq: u64) -> Option<ResumedLine> {
        lines
            .iter()
            .filter_map(|l| ResumedLine::parse(l))
            .filter(|r| r.after_seq == before_seq)
            .max_by_key(|r| r.stopped_ms)
    }
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

    #[test]
    fn a_resumed_line_is_not_a_counter_line() {
        let line = "resumed stopped_ms=812 last_tick_unix_ms=1000 unix_ms=1812 after_seq=41";
        assert_eq!(CounterLine::parse(line), None);
        assert_eq!(
            ResumedLine::parse(line),
            Some(ResumedLine {
                stopped_ms: 812,
                last_tick_unix_ms: 1000,
                unix_ms: 1812,
                after_seq: 41
            })
        );
        assert_eq!(ResumedLine::parse("seq=42 unix_ms=1"), None);
        assert_eq!(ResumedLine::parse("resumed stopped_ms=x"), None);
    }

    #[test]
    fn the_migration_stop_is_the_one_at_the_original_s_last_counter() {
        let lines: Vec<String> = [
            "resumed stopped_ms=60 last_tick_unix_ms=100 unix_ms=160 after_seq=40",
            "seq=41 unix_ms=200",
            "resumed stopped_ms=900 last_tick_unix_ms=300 unix_ms=1200 after_seq=41",
            "seq=42 unix_ms=1200",
            "resumed stopped_ms=70 last_tick_unix_ms=1300 unix_ms=1370 after_seq=42",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let stop = ResumedLine::migration_stop(&lines, 41).expect("a stop");
        assert_eq!(stop.stopped_ms, 900);
        assert_eq!(ResumedLine::migration_stop(&lines, 7), None);
    }
}

//! What one scrape of a node exporter says ([`Reading`]), and the shares
//! derived from successive scrapes ([`History`]).
//!
//! Node exporter 1.5 gives pressure as cumulative counters
//! (`node_pressure_*_seconds_total`: seconds stalled since boot), not the
//! kernel's `avg10`. The kernel's avg10 is an exponentially decaying average
//! of the stall share, updated every 2 s with a 10 s time constant. Here the
//! share is the counter's rate over the scrapes of the last [`PSI_WINDOW`]
//! (10 s): the plain mean stall share over that window. Under a steady load
//! both read the same; after a step from 0 to a share `s` the window mean
//! reads `s` after 10 s where avg10 reads about 0.63 `s`, so it reacts a
//! little faster and forgets the past entirely after 10 s. The collapse
//! threshold written for avg10 applies as is to sustained pressure.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How far back the pressure shares look (see the module header).
pub const PSI_WINDOW: Duration = Duration::from_secs(10);

/// CPU time counters summed over every CPU, seconds since boot.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CpuSeconds {
    /// Every mode but `idle` and `iowait` (what `top` counts as busy).
    pub busy_s: f64,
    /// Every mode.
    pub total_s: f64,
}

/// One scrape's values of the families migbench reads. A family the
/// exporter did not expose (collector disabled, kernel without PSI) or with
/// a value that is no number of its kind is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Reading {
    pub mem_total_bytes: Option<u64>,
    pub mem_available_bytes: Option<u64>,
    pub swap_total_bytes: Option<u64>,
    pub swap_free_bytes: Option<u64>,
    pub cpu: Option<CpuSeconds>,
    /// Pressure counters, seconds stalled since boot: `waiting` = PSI
    /// "some", `stalled` = PSI "full".
    pub cpu_some_s: Option<f64>,
    pub memory_some_s: Option<f64>,
    pub memory_full_s: Option<f64>,
    pub io_some_s: Option<f64>,
    pub io_full_s: Option<f64>,
}

impl Reading {
    /// Parses the text exposition format; lines that are no sample, and
    /// families migbench does not read, are skipped.
    pub fn parse(text: &str) -> Reading {
        let lines = text.lines().map(|line| Ok(line.to_string()));
        // Only the line source can fail, and this one cannot.
        let Ok(scrape) = prometheus_parse::Scrape::parse(lines) else {
            return Reading::default();
        };
        let mut reading = Reading::default();
        let mut cpu: Option<CpuSeconds> = None;
        for sample in &scrape.samples {
            let Some(value) = plain_value(&sample.value) else {
                continue;
            };
            let bytes = || Some(value.round() as u64);
            match sample.metric.as_str() {
                "node_memory_MemTotal_bytes" => reading.mem_total_bytes = bytes(),
                "node_memory_MemAvailable_bytes" => reading.mem_available_bytes = bytes(),
                "node_memory_SwapTotal_bytes" => reading.swap_total_bytes = bytes(),
                "node_memory_SwapFree_bytes" => reading.swap_free_bytes = bytes(),
                "node_pressure_cpu_waiting_seconds_total" => reading.cpu_some_s = Some(value),
                "node_pressure_memory_waiting_seconds_total" => reading.memory_some_s = Some(value),
                "node_pressure_memory_stalled_seconds_total" => reading.memory_full_s = Some(value),
                "node_pressure_io_waiting_seconds_total" => reading.io_some_s = Some(value),
                "node_pressure_io_stalled_seconds_total" => reading.io_full_s = Some(value),
                "node_cpu_seconds_total" => {
                    let sum = cpu.get_or_insert_with(CpuSeconds::default);
                    sum.total_s += value;
                    if !matches!(sample.labels.get("mode"), Some("idle" | "iowait")) {
                        sum.busy_s += value;
                    }
                }
                _ => {}
            }
        }
        reading.cpu = cpu;
        reading
    }

    /// Whether no family migbench reads was there (not a node exporter).
    pub fn is_empty(&self) -> bool {
        *self == Reading::default()
    }
}

/// A counter's or gauge's value when it is a finite, non-negative number
/// (every family read here is one).
fn plain_value(value: &prometheus_parse::Value) -> Option<f64> {
    use prometheus_parse::Value;
    match *value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => {
            (v.is_finite() && v >= 0.0).then_some(v)
        }
        Value::Histogram(_) | Value::Summary(_) => None,
    }
}

/// The target's state from the latest scrape, with the shares derived from
/// the ones before it; what a sample row takes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TargetValues {
    pub memory_total_bytes: Option<u64>,
    /// MemTotal - MemAvailable.
    pub memory_used_bytes: Option<u64>,
    pub swap_total_bytes: Option<u64>,
    /// SwapTotal - SwapFree.
    pub swap_used_bytes: Option<u64>,
    /// Busy CPU time of all CPUs since boot.
    pub cpu_busy_ns: Option<u64>,
    /// Busy share of all CPUs since the previous scrape, %.
    pub cpu_pct: Option<f64>,
    /// PSI shares over [`PSI_WINDOW`], %.
    pub psi_cpu_some_pct: Option<f64>,
    pub psi_memory_some_pct: Option<f64>,
    pub psi_memory_full_pct: Option<f64>,
    pub psi_io_some_pct: Option<f64>,
    pub psi_io_full_pct: Option<f64>,
}

/// The scrapes the shares are derived from: those of the last
/// [`PSI_WINDOW`], and always the previous one.
#[derive(Debug, Default)]
pub struct History {
    scrapes: VecDeque<(Instant, Reading)>,
}

impl History {
    /// Takes the scrape received at `at`; returns the target's values.
    ///
    /// A counter lower than in the previous scrape was reset (the target
    /// rebooted): its share is unknown this time, and the older scrapes are
    /// forgotten, so the next shares start from this one.
    pub fn push(&mut self, at: Instant, reading: Reading) -> TargetValues {
        let previous = self.scrapes.back().map(|(_, r)| *r);
        let window_start = at.checked_sub(PSI_WINDOW).unwrap_or(at);
        // The oldest scrape inside the window, else the previous one.
        let base = self
            .scrapes
            .iter()
            .find(|(t, _)| *t >= window_start)
            .or(self.scrapes.back())
            .copied();
        let reset = previous.is_some_and(|p| counters_went_back(&p, &reading));
        let share = |pick: fn(&Reading) -> Option<f64>| {
            let (then, before) = base?;
            let seconds = at.checked_duration_since(then)?.as_secs_f64();
            let stalled_s = pick(&reading)? - pick(&before)?;
            (!reset && seconds > 0.0 && stalled_s >= 0.0)
                .then(|| (stalled_s / seconds * 100.0).min(100.0))
        };
        let cpu_pct = previous.and_then(|p| {
            let (now, before) = (reading.cpu?, p.cpu?);
            let total_s = now.total_s - before.total_s;
            let busy_s = now.busy_s - before.busy_s;
            (!reset && total_s > 0.0 && busy_s >= 0.0)
                .then(|| (busy_s / total_s * 100.0).min(100.0))
        });
        let values = TargetValues {
            memory_total_bytes: reading.mem_total_bytes,
            memory_used_bytes: reading
                .mem_total_bytes
                .zip(reading.mem_available_bytes)
                .map(|(total, available)| total.saturating_sub(available)),
            swap_total_bytes: reading.swap_total_bytes,
            swap_used_bytes: reading
                .swap_total_bytes
                .zip(reading.swap_free_bytes)
                .map(|(total, free)| total.saturating_sub(free)),
            cpu_busy_ns: reading.cpu.map(|c| (c.busy_s * 1e9).round() as u64),
            cpu_pct,
            psi_cpu_some_pct: share(|r| r.cpu_some_s),
            psi_memory_some_pct: share(|r| r.memory_some_s),
            psi_memory_full_pct: share(|r| r.memory_full_s),
            psi_io_some_pct: share(|r| r.io_some_s),
            psi_io_full_pct: share(|r| r.io_full_s),
        };
        if reset {
            self.scrapes.clear();
        }
        self.scrapes.push_back((at, reading));
        while self.scrapes.len() > 1 && self.scrapes.front().is_some_and(|(t, _)| *t < window_start)
        {
            self.scrapes.pop_front();
        }
        values
    }
}

/// Whether any counter present in both is lower in `now` than in `before`.
fn counters_went_back(before: &Reading, now: &Reading) -> bool {
    let counters = |r: &Reading| {
        [
            r.cpu.map(|c| c.total_s),
            r.cpu_some_s,
            r.memory_some_s,
            r.memory_full_s,
            r.io_some_s,
            r.io_full_s,
        ]
    };
    counters(before)
        .iter()
        .zip(counters(now))
        .any(|(b, n)| matches!((b, n), (Some(b), Some(n)) if n < *b))
}

#[cfg(test)]
#[path = "node_reading_tests.rs"]
mod tests;

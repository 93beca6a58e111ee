//! The sampler: a fixed-cadence task that measures the machine (sysinfo,
//! /proc/pressure, /proc/vmstat) and, for an emulated target, its cgroup
//! (for a remote one, the latest scrape of its node exporter), and sends one
//! [`SampleRow`] per target per tick to the recorder (the machine's fields
//! measured once and repeated in each). Its own lag (actual
//! minus scheduled tick time) measures how responsive the machine still is.

mod kmsg;
pub mod node_exporter;
mod procfs;
mod running;

pub use crate::cgroup::{CgroupReading, Footprint, Psi};
pub use procfs::read_psi;

use crate::engine::Engine;
use crate::event::{round_us, Event, LiveState, Step};
use crate::record::SampleRow;
use crate::scenario::MetricsSource;
use std::sync::Arc;
use std::time::{Duration, Instant};
use sysinfo::System;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// One target the sampler watches.
pub struct SampledTarget {
    /// Its name: each of its rows carries it (`SampleRow::target`).
    pub name: String,
    /// Its emulated host's cgroup (read through `crate::cgroup`), if any.
    pub cgroup: Option<String>,
    /// Asked for its running-container count when there is no cgroup to read.
    pub engine: Arc<dyn Engine>,
    /// A remote target's node exporter, scraped on its own task.
    pub metrics: Option<MetricsSource>,
}

/// What the sampler watches.
pub struct SamplerConfig {
    pub interval: Duration,
    /// Every target of the run, in the scenario's order: one row each per tick.
    pub targets: Vec<SampledTarget>,
    pub live: Arc<LiveState>,
    pub events: mpsc::UnboundedSender<Event>,
    pub run_started: Instant,
}

/// What is read of one target on each tick, beside its cgroup.
struct TargetProbe {
    running: Option<running::RunningCount>,
    scraped: Option<(
        tokio::sync::watch::Receiver<node_exporter::Latest>,
        Duration,
    )>,
    oom_reports: Option<kmsg::OomReports>,
}

impl TargetProbe {
    fn start(target: &SampledTarget, interval: Duration, stop: &CancellationToken) -> Self {
        // No cgroup of ours: the engine is asked, off the tick (see `running`).
        let running = target.cgroup.is_none().then(|| {
            let engine = target.engine.clone();
            let ask = move || -> futures_util::future::BoxFuture<'static, Option<u64>> {
                let engine = engine.clone();
                Box::pin(async move { engine.info().await.ok().map(|i| i.running_containers) })
            };
            running::RunningCount::spawn(ask, interval, stop.clone())
        });
        let scraped = target.metrics.as_ref().map(|source| {
            (
                node_exporter::spawn(source, stop.clone()),
                node_exporter::stale_after(source.interval),
            )
        });
        TargetProbe {
            running,
            scraped,
            oom_reports: target.cgroup.as_deref().map(kmsg::OomReports::new),
        }
    }

    /// Fills the target's fields of `row`.
    fn measure(&mut self, target: &SampledTarget, row: &mut SampleRow) {
        measure_target(target.cgroup.as_deref(), self.running.as_ref(), row);
        if let Some((scraped, stale_after)) = &self.scraped {
            scraped.borrow().fill(row, Instant::now(), *stale_after);
        }
        // The kernel's reports count kills whose victim's cgroup is gone already.
        if let Some(reported) = self.oom_reports.as_mut().and_then(kmsg::OomReports::poll) {
            row.target_oom_kills = Some(row.target_oom_kills.unwrap_or(0).max(reported));
        }
    }
}

/// Runs until `stop` is cancelled, then takes one last sample, so that
/// samples.csv ends with the state the run ended in.
pub async fn run(config: SamplerConfig, stop: CancellationToken) {
    let mut probe = HostProbe::new();
    // The background askers end with this function, whichever way it returns.
    let tasks_stop = CancellationToken::new();
    let _tasks_guard = tasks_stop.clone().drop_guard();
    let mut targets: Vec<TargetProbe> = config
        .targets
        .iter()
        .map(|t| TargetProbe::start(t, config.interval, &tasks_stop))
        .collect();
    let start = Instant::now();
    let mut tick: u32 = 1;
    loop {
        let scheduled = start + config.interval * tick;
        let last = tokio::select! {
            () = tokio::time::sleep_until(scheduled.into()) => false,
            () = stop.cancelled() => true,
        };
        let now = Instant::now();
        // The last sample is not on the schedule: it has no lag.
        let lag = if last {
            Duration::ZERO
        } else {
            now.saturating_duration_since(scheduled)
        };
        // After a stall, resume the schedule from now instead of firing a burst.
        tick =
            (now.duration_since(start).as_nanos() / config.interval.as_nanos().max(1)) as u32 + 1;
        // The machine is measured once a tick; each target's row repeats it.
        let mut host = probe.sample();
        host.t_ms = round_us(config.run_started.elapsed().as_secs_f64() * 1000.0);
        host.lag_ms = round_us(lag.as_secs_f64() * 1000.0);
        host.phase = config.live.phase_name().to_string();
        host.checkpointing = config.live.in_flight(Step::Checkpoint);
        host.transferring = config.live.in_flight(Step::Transfer);
        host.restoring = config.live.in_flight(Step::Restore);
        for (index, (target, probe)) in config.targets.iter().zip(&mut targets).enumerate() {
            let mut row = SampleRow {
                target: target.name.clone(),
                migrated: config.live.migrated_on(index),
                ..host.clone()
            };
            probe.measure(target, &mut row);
            if config.events.send(Event::Sample(Box::new(row))).is_err() {
                return;
            }
        }
        if last {
            return;
        }
    }
}

/// Measures the machine: one call per tick.
pub struct HostProbe {
    system: System,
    vmstat: procfs::SwapCounters,
    last: Instant,
}

impl Default for HostProbe {
    fn default() -> Self {
        Self::new()
    }
}

impl HostProbe {
    pub fn new() -> HostProbe {
        let mut system = System::new();
        // sysinfo's first CPU reading has no interval to average over: discard it.
        system.refresh_cpu_usage();
        HostProbe {
            system,
            vmstat: procfs::SwapCounters::read(),
            last: Instant::now(),
        }
    }

    /// The machine's memory, swap, CPU and pressure now (time fields left zero).
    pub fn sample(&mut self) -> SampleRow {
        let now = Instant::now();
        let elapsed_s = now.duration_since(self.last).as_secs_f64().max(1e-3);
        self.last = now;
        measure_host(&mut self.system, &mut self.vmstat, elapsed_s)
    }
}

fn measure_host(
    system: &mut System,
    vmstat: &mut procfs::SwapCounters,
    elapsed_s: f64,
) -> SampleRow {
    system.refresh_memory();
    system.refresh_cpu_usage();
    let now = procfs::SwapCounters::read();
    let rate = |after: u64, before: u64| after.saturating_sub(before) as f64 / elapsed_s;
    let row = SampleRow {
        mem_used_bytes: system
            .total_memory()
            .saturating_sub(system.available_memory()),
        mem_available_bytes: system.available_memory(),
        swap_used_bytes: system.used_swap(),
        swap_total_bytes: system.total_swap(),
        swap_in_pages_per_s: rate(now.pswpin, vmstat.pswpin),
        swap_out_pages_per_s: rate(now.pswpout, vmstat.pswpout),
        cpu_pct: (f64::from(system.global_cpu_usage()) * 10.0).round() / 10.0,
        cpu_per_core_pct: system
            .cpus()
            .iter()
            .map(|c| format!("{:.1}", c.cpu_usage()))
            .collect::<Vec<_>>()
            .join(";"),
        load1: System::load_average().one,
        ..psi_fields()
    };
    *vmstat = now;
    row
}

fn psi_fields() -> SampleRow {
    let cpu = read_psi("cpu");
    let memory = read_psi("memory");
    let io = read_psi("io");
    SampleRow {
        psi_cpu_some_avg10: cpu.some_avg10,
        psi_memory_some_avg10: memory.some_avg10,
        psi_memory_full_avg10: memory.full_avg10,
        psi_io_some_avg10: io.some_avg10,
        psi_io_full_avg10: io.full_avg10,
        psi_memory_full_total_us: memory.full_total_us,
        ..Default::default()
    }
}

fn measure_target(
    cgroup: Option<&str>,
    running: Option<&running::RunningCount>,
    row: &mut SampleRow,
) {
    if let Some(cgroup) = cgroup {
        let reading = CgroupReading::read(cgroup);
        row.target_memory_bytes = reading.memory_bytes;
        row.target_memsw_bytes = reading.memsw_bytes;
        row.target_swap_bytes = reading
            .memsw_bytes
            .zip(reading.memory_bytes)
            .map(|(memsw, memory)| memsw.saturating_sub(memory));
        row.target_failcnt = reading.failcnt;
        row.target_oom_kills = reading.oom_kills;
        row.target_cpu_ns = reading.cpu_ns;
        row.target_running = Some(reading.containers);
        let footprint = reading.footprint;
        row.target_anon_bytes = footprint.anon_bytes;
        row.target_anon_huge_bytes = footprint.anon_huge_bytes;
        row.target_shmem_bytes = footprint.shmem_bytes;
        row.target_swapped_bytes = footprint.swapped_bytes;
        row.target_kmem_bytes = footprint.kmem_bytes;
        row.target_footprint_bytes = footprint.total_bytes();
        row.target_anon_lru_bytes = footprint.anon_lru_bytes;
        row.target_swapcached_bytes = footprint.swapcached_bytes;
        row.target_psi_memory_full_avg10 = reading.memory_pressure.map(|p| p.full_avg10);
        return;
    }
    row.target_running = running.and_then(running::RunningCount::get);
}

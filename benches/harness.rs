//! The harness's own costs, so they are known next to what it measures: one
//! sampler tick, appending a row to ops.csv (with its 1 s sync cadence, never
//! synced, and synced every row), a detector update, and recording
//! into and merging HdrHistograms.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use hdrhistogram::Histogram;
use migbench::collapse::Detector;
use migbench::record::{CsvAppender, OpRecord, Outcome, Phase, SampleRow};
use migbench::sampler::HostProbe;
use migbench::scenario::CollapseRules;
use std::hint::black_box;
use std::time::Duration;

fn restore_row(i: usize) -> OpRecord {
    OpRecord {
        run_id: "bench-20260101T000000Z".into(),
        phase: Phase::Restore,
        index: i,
        container: format!("mb-bench-{i:04}"),
        container_id: "f".repeat(64),
        source_host: "unix:///var/run/docker.sock".into(),
        target_host: "emulated:bench".into(),
        started_at: "2026-01-01T00:00:00.000Z".into(),
        start_ms: i as f64 * 300.0,
        end_ms: i as f64 * 300.0 + 250.0,
        latency_ms: 250.0 + (i % 17) as f64,
        bytes: Some(9_000_000),
        outcome: Outcome::Ok,
        error: String::new(),
        seq_before: Some(41),
        seq_after: Some(42),
        service_gap_ms: Some(1234.5),
        criu_ms: None,
        criu_freezing_ms: None,
        criu_frozen_ms: None,
        criu_memdump_ms: None,
        criu_memwrite_ms: None,
        criu_pages_scanned: None,
        criu_pages_written: None,
        criu_pages_restored: None,
        runtime_ms: None,
        seq: 0,
    }
}

fn sampler_tick(c: &mut Criterion) {
    let mut probe = HostProbe::new();
    c.bench_function(
        "sampler tick (sysinfo + /proc/pressure + /proc/vmstat)",
        |b| b.iter(|| black_box(probe.sample())),
    );
}

fn ops_csv_append(c: &mut Criterion) {
    // On the build's disk, not a /tmp that may be tmpfs: a sync must reach a disk.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let row = restore_row(7);
    let mut cadenced = CsvAppender::create(&dir.path().join("ops.csv")).expect("ops.csv");
    c.bench_function(
        "ops.csv append + flush one row (synced at most 1 s apart)",
        |b| b.iter(|| cadenced.append(black_box(&row)).expect("append")),
    );
    let mut never = CsvAppender::create(&dir.path().join("never.csv"))
        .expect("never.csv")
        .with_sync_every(Duration::MAX);
    c.bench_function("ops.csv append + flush one row (never synced)", |b| {
        b.iter(|| never.append(black_box(&row)).expect("append"))
    });
    // What one sync costs: the cadence pays it at most twice a second per file.
    let mut every = CsvAppender::create(&dir.path().join("every.csv"))
        .expect("every.csv")
        .with_sync_every(Duration::ZERO);
    c.bench_function("ops.csv append + flush + fdatasync one row", |b| {
        b.iter(|| every.append(black_box(&row)).expect("append"))
    });
}

fn detector_update(c: &mut Criterion) {
    c.bench_function("detector: one restore + one sample", |b| {
        b.iter_batched(
            || {
                let mut d = Detector::new(CollapseRules::default(), None, 512 << 20);
                for i in 0..20 {
                    d.on_op(&restore_row(i));
                }
                (
                    d,
                    restore_row(21),
                    SampleRow {
                        phase: "restore".into(),
                        mem_available_bytes: 8 << 30,
                        ..Default::default()
                    },
                )
            },
            |(mut d, op, sample)| {
                black_box(d.on_op(&op));
                black_box(d.on_sample(&sample));
            },
            BatchSize::SmallInput,
        )
    });
}

fn histograms(c: &mut Criterion) {
    let new = || Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).expect("histogram");
    c.bench_function("hdrhistogram: record 400 latencies", |b| {
        b.iter_batched(
            new,
            |mut h| {
                for i in 0..400u64 {
                    h.saturating_record(200_000 + i * 997);
                }
                black_box(h.value_at_quantile(0.99))
            },
            BatchSize::SmallInput,
        )
    });
    let mut full = new();
    for i in 0..400u64 {
        full.saturating_record(200_000 + i * 997);
    }
    c.bench_function("hdrhistogram: merge two", |b| {
        b.iter_batched(
            new,
            |mut h| h.add(black_box(&full)).expect("merge"),
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(
    benches,
    sampler_tick,
    ops_csv_append,
    detector_update,
    histograms
);
criterion_main!(benches);

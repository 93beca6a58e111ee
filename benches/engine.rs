//! Single-container checkpoint and restore latency through the Engine API,
//! for workloads holding 1, 16 and 64 MiB. Needs a provisioned machine
//! (scripts/provision.sh); without an engine or CRIU it says so and skips.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use migbench::engine::{self, image, ContainerSpec, Engine, EngineKind, RUN_LABEL};
use migbench::runner::criu_version;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

const ENDPOINT: &str = "unix:///var/run/docker.sock";
const RUN_ID: &str = "bench-engine";

struct Bench {
    engine: std::sync::Arc<dyn Engine>,
    image: String,
    /// Removed on drop, also when a benchmark panics.
    dir: tempfile::TempDir,
    serial: std::cell::Cell<u64>,
    /// Restores redone after a containerd content-store collision.
    collisions: std::cell::Cell<u64>,
}

impl Bench {
    fn spec(&self, memory_mib: u64) -> ContainerSpec {
        let n = self.serial.get();
        self.serial.set(n + 1);
        ContainerSpec {
            name: format!("mb-{RUN_ID}-{}-{n}", std::process::id()),
            image: self.image.clone(),
            cmd: image::workload_cmd(200, memory_mib, 10),
            labels: HashMap::from([(RUN_LABEL.to_string(), RUN_ID.to_string())]),
        }
    }

    /// Launches a workload and checkpoints it; returns (checkpoint time, checkpoint dir).
    async fn checkpoint_one(&self, memory_mib: u64) -> (Duration, PathBuf) {
        let spec = self.spec(memory_mib);
        let id = self.engine.create(&spec).await.expect("create");
        self.engine.start(&id).await.expect("start");
        // Let it allocate and dirty its memory.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let started = Instant::now();
        let checkpoint = self
            .engine
            .checkpoint(&id, self.dir.path(), &spec.name)
            .await
            .expect("checkpoint");
        let took = started.elapsed();
        self.engine.remove(&id).await.expect("remove");
        (took, checkpoint.path)
    }

    /// Restores a checkpoint into a fresh clone (create + place + start), timed.
    async fn restore_one(&self, memory_mib: u64, checkpoint: PathBuf) -> Result<Duration, String> {
        let spec = self.spec(memory_mib);
        let started = Instant::now();
        let created = std::sync::OnceLock::new();
        let restored = self.engine.restore(&spec, &checkpoint, &created).await;
        let took = started.elapsed();
        if let Some(id) = created.get() {
            self.engine.remove(id).await.expect("remove clone");
        }
        restored.map(|_| took).map_err(|e| e.to_string())
    }

    /// Checkpoints and restores a fresh container, timing the restore. Docker
    /// 20.10 sometimes refuses a restore with "failed to upload checkpoint to
    /// containerd: commit failed: content ...: already exists" in tight loops;
    /// such an iteration is redone with a new container, and counted.
    async fn timed_restore(&self, memory_mib: u64) -> Duration {
        for _ in 0..5 {
            let (_, dir) = self.checkpoint_one(memory_mib).await;
            match self.restore_one(memory_mib, dir).await {
                Ok(took) => return took,
                Err(e) if e.contains("already exists") => {
                    self.collisions.set(self.collisions.get() + 1);
                }
                Err(e) => panic!("restore: {e}"),
            }
        }
        panic!("restore: five content-store collisions in a row")
    }
}

fn setup(runtime: &Runtime) -> Option<Bench> {
    let engine = engine::connect(EngineKind::Docker, ENDPOINT, Duration::from_secs(120)).ok()?;
    let info = runtime.block_on(engine.info()).ok()?;
    if !info.experimental || criu_version().is_none() {
        return None;
    }
    let (image, _) = runtime
        .block_on(image::ensure_image(engine.as_ref()))
        .ok()?;
    // Leftovers of an earlier, interrupted bench.
    runtime.block_on(migbench::runner::remove_containers(
        engine.as_ref(),
        Some(RUN_ID),
    ));
    let root = PathBuf::from("/var/lib/migbench/checkpoints");
    std::fs::create_dir_all(&root).ok()?;
    let dir = tempfile::Builder::new()
        .prefix(RUN_ID)
        .tempdir_in(&root)
        .ok()?;
    Some(Bench {
        engine,
        image,
        dir,
        serial: std::cell::Cell::new(0),
        collisions: std::cell::Cell::new(0),
    })
}

fn engine_latency(c: &mut Criterion) {
    let runtime = Runtime::new().expect("tokio runtime");
    let Some(bench) = setup(&runtime) else {
        println!("engine benches skipped: no experimental Docker engine at {ENDPOINT} or no CRIU (run scripts/provision.sh)");
        return;
    };
    let mut group = c.benchmark_group("engine");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for memory_mib in [1u64, 16, 64] {
        group.bench_with_input(
            BenchmarkId::new("checkpoint", format!("{memory_mib}MiB")),
            &memory_mib,
            |b, &m| {
                b.iter_custom(|iters| {
                    runtime.block_on(async {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            let (took, dir) = bench.checkpoint_one(m).await;
                            total += took;
                            let _ = std::fs::remove_dir_all(dir);
                        }
                        total
                    })
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("restore", format!("{memory_mib}MiB")),
            &memory_mib,
            |b, &m| {
                b.iter_custom(|iters| {
                    runtime.block_on(async {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            total += bench.timed_restore(m).await;
                        }
                        total
                    })
                })
            },
        );
    }
    group.finish();
    if bench.collisions.get() > 0 {
        println!(
            "engine: {} restore(s) redone after Docker's \"content already exists\" refusal",
            bench.collisions.get()
        );
    }
}

criterion_group!(benches, engine_latency);
criterion_main!(benches);

//! The lab's method side by side with the bare Engine API and with migbench,
//! in one run on the same machine and the same N (`cargo bench --bench baseline`):
//!
//! (a) the lab's shell loop over the docker CLI (benches/baseline.sh);
//! (b) the bare Engine API floor: the same calls straight to the engine's
//!     socket, nothing around them, at concurrency 1 and at `BEST`;
//! (c) `migbench run` at concurrency 1 and at `BEST`.
//!
//! With `MIGBENCH_BASELINE_ENGINE=podman`, (b) is curl on the libpod socket
//! (benches/baseline-podman.sh: the very requests migbench sends) and (c)
//! runs with `source.engine = "podman"`; there is no (a).
//!
//! N is `MIGBENCH_BASELINE_N` (default 30), BEST is `MIGBENCH_BASELINE_BEST`
//! (default 4). Under `cargo test` (no `--bench`) it does nothing.

use futures_util::{stream, StreamExt};
use migbench::engine::{self, image, ContainerSpec, Engine, EngineKind, RUN_LABEL};
use migbench::runner::criu_version;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const CHECKPOINTS: &str = "/var/lib/migbench/checkpoints";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Checkpoint and restore wall times, seconds.
#[derive(Debug, Clone, Copy)]
struct Times {
    checkpoint_s: f64,
    restore_s: f64,
}

impl Times {
    fn total(self) -> f64 {
        self.checkpoint_s + self.restore_s
    }
}

fn cli_loop(n: usize, image: &str) -> Times {
    let dir = tempfile::tempdir_in(CHECKPOINTS).expect("checkpoint dir");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/baseline.sh");
    let out = std::process::Command::new("bash")
        .arg(script)
        .arg(n.to_string())
        .arg(image)
        .arg(dir.path())
        .env(
            "PATH",
            format!(
                "/usr/local/sbin:{}",
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .expect("baseline.sh runs");
    assert!(
        out.status.success(),
        "baseline.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    timings(&String::from_utf8_lossy(&out.stdout))
}

/// The bare libpod REST calls (curl on the socket), timed by the script.
fn bare_rest(n: usize, concurrency: usize, image: &str, socket: &str) -> Times {
    let dir = tempfile::tempdir_in(CHECKPOINTS).expect("checkpoint dir");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/baseline-podman.sh");
    let out = std::process::Command::new("bash")
        .arg(script)
        .args([&n.to_string(), &concurrency.to_string(), image])
        .arg(dir.path())
        .arg(socket)
        .output()
        .expect("baseline-podman.sh runs");
    assert!(
        out.status.success(),
        "baseline-podman.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    timings(&String::from_utf8_lossy(&out.stdout))
}

fn timings(text: &str) -> Times {
    let field = |key: &str| {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .and_then(|v| v.parse().ok())
            .expect("a timing")
    };
    Times {
        checkpoint_s: field("checkpoint_s="),
        restore_s: field("restore_s="),
    }
}

async fn bare_api(engine: &dyn Engine, n: usize, concurrency: usize, image: &str) -> Times {
    let dir = tempfile::tempdir_in(CHECKPOINTS).expect("checkpoint dir");
    let tag = format!("bl-api-{concurrency}-{}", std::process::id());
    let spec = |name: String| ContainerSpec {
        name,
        image: image.to_string(),
        cmd: image::workload_cmd(200, 0, 10),
        labels: HashMap::from([(RUN_LABEL.to_string(), tag.clone())]),
    };
    let mut ids = Vec::new();
    for i in 0..n {
        let id = engine
            .create(&spec(format!("{tag}-{i}")))
            .await
            .expect("create");
        engine.start(&id).await.expect("start");
        ids.push((i, id));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    stream::iter(&ids)
        .for_each_concurrent(concurrency, |(i, id)| {
            let dir = dir.path().to_path_buf();
            async move {
                engine
                    .checkpoint(id, &dir, &format!("cp{i}"))
                    .await
                    .expect("checkpoint");
            }
        })
        .await;
    let checkpoint_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    stream::iter(&ids)
        .for_each_concurrent(concurrency, |(i, _)| {
            let checkpoint: PathBuf = dir.path().join(format!("cp{i}"));
            let spec = spec(format!("{tag}-{i}-r"));
            async move {
                let created = std::sync::OnceLock::new();
                engine
                    .restore(&spec, &checkpoint, &created)
                    .await
                    .expect("restore");
            }
        })
        .await;
    let restore_s = started.elapsed().as_secs_f64();
    for c in engine
        .list_labelled(RUN_LABEL, Some(&tag))
        .await
        .expect("list")
    {
        engine.remove(&c.id).await.expect("remove");
    }
    Times {
        checkpoint_s,
        restore_s,
    }
}

fn migbench_run(n: usize, concurrency: usize, kind: EngineKind) -> Times {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = dir.path().join("baseline.toml");
    std::fs::write(
        &scenario,
        format!(
            "name = \"baseline-c{concurrency}\"\ncontainers = {n}\nconcurrency = {concurrency}\nwarmup_s = 1\n[workload]\nlog_interval_ms = 200\n[source]\nengine = \"{kind}\"\n"
        ),
    )
    .expect("scenario");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_migbench"))
        .arg("run")
        .arg(&scenario)
        .arg("--results")
        .arg(dir.path())
        .env(
            "PATH",
            format!(
                "/usr/local/sbin:{}",
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .stdout(std::process::Stdio::null())
        .status()
        .expect("migbench runs");
    assert!(status.success(), "migbench run failed");
    let run = std::fs::read_dir(dir.path())
        .expect("results")
        .flatten()
        .find(|e| e.path().is_dir())
        .expect("a run directory")
        .path();
    let summary = migbench::summary::read(&run).expect("summary");
    let wall = |phase| summary.phase(phase).map_or(0.0, |p| p.wall_s);
    Times {
        checkpoint_s: wall(migbench::record::Phase::Checkpoint),
        restore_s: wall(migbench::record::Phase::Restore),
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n = env_usize("MIGBENCH_BASELINE_N", 30);
    let best = env_usize("MIGBENCH_BASELINE_BEST", 4);
    let kind: EngineKind = std::env::var("MIGBENCH_BASELINE_ENGINE")
        .unwrap_or_else(|_| "docker".into())
        .parse()
        .expect("MIGBENCH_BASELINE_ENGINE: docker or podman");
    if kind == EngineKind::Runc {
        println!("baseline: runc has no daemon API to compare; `cargo bench --bench floor` measures it against raw CRIU and bare runc");
        return;
    }
    let endpoint = kind.default_endpoint();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let engine = engine::connect(kind, endpoint, Duration::from_secs(120)).expect("endpoint");
    let ready = runtime
        .block_on(engine.info())
        .is_ok_and(|i| i.experimental)
        && criu_version().is_some();
    if !ready {
        println!("baseline skipped: no ready {kind} engine at {endpoint} or no CRIU (run scripts/provision.sh)");
        return;
    }
    std::fs::create_dir_all(CHECKPOINTS).expect("checkpoint root");
    let (image, _) = runtime
        .block_on(image::ensure_image(engine.as_ref()))
        .expect("workload image");
    println!("baseline: {kind}, N = {n} containers, best concurrency = {best}");
    let rows: Vec<(&str, Times)> = match kind {
        // Each bare measurement is followed at once by migbench's at the same
        // concurrency, so that a change in the machine's load between them
        // skews each ratio as little as possible.
        EngineKind::Docker => vec![
            ("(a) docker CLI loop (lab)", cli_loop(n, &image)),
            (
                "(b) bare Engine API, c=1",
                runtime.block_on(bare_api(engine.as_ref(), n, 1, &image)),
            ),
            ("(c) migbench, c=1", migbench_run(n, 1, kind)),
            (
                "(b) bare Engine API, c=best",
                runtime.block_on(bare_api(engine.as_ref(), n, best, &image)),
            ),
            ("(c) migbench, c=best", migbench_run(n, best, kind)),
        ],
        // runc returned above.
        EngineKind::Podman | EngineKind::Runc => {
            let socket = endpoint.trim_start_matches("unix://");
            vec![
                ("(b) bare REST (curl), c=1", bare_rest(n, 1, &image, socket)),
                ("(c) migbench, c=1", migbench_run(n, 1, kind)),
                (
                    "(b) bare REST (curl), c=best",
                    bare_rest(n, best, &image, socket),
                ),
                ("(c) migbench, c=best", migbench_run(n, best, kind)),
            ]
        }
    };
    println!(
        "{:<30} {:>12} {:>12} {:>10}",
        "method", "checkpoint s", "restore s", "total s"
    );
    for (name, t) in &rows {
        println!(
            "{name:<30} {:>12.2} {:>12.2} {:>10.2}",
            t.checkpoint_s,
            t.restore_s,
            t.total()
        );
    }
    let total = |name: &str| {
        rows.iter()
            .find(|(n, _)| n.starts_with(name))
            .map_or(f64::NAN, |(_, t)| t.total())
    };
    let (bare1, bare_best) = match kind {
        EngineKind::Docker => ("(b) bare Engine API, c=1", "(b) bare Engine API, c=best"),
        EngineKind::Podman | EngineKind::Runc => {
            ("(b) bare REST (curl), c=1", "(b) bare REST (curl), c=best")
        }
    };
    println!(
        "migbench / bare API at c=1:    {:.3}",
        total("(c) migbench, c=1") / total(bare1)
    );
    println!(
        "migbench / bare API at c=best: {:.3}",
        total("(c) migbench, c=best") / total(bare_best)
    );
    if kind == EngineKind::Docker {
        println!(
            "CLI loop / migbench at c=best: {:.2}x",
            total("(a)") / total("(c) migbench, c=best")
        );
    }
}

//! The streaming path alone on the local Podman service (`cargo bench --bench
//! streaming`): a workload holding N MB is exported through migbench's client
//! to a file and imported from it, then its clone is exported and imported by
//! `curl --unix-socket` the same way, round after round. For each side: bytes,
//! wall time, the client's CPU and so CPU-s per GB and MB/s.
//!
//! migbench's CPU is this process's own (getrusage, nothing else runs in it);
//! curl's is its children's rusage. Wall times include the engine's work
//! (CRIU, libpod's temporary files), alike for both: a slower client shows
//! as fewer MB/s. Sizes: `MIGBENCH_STREAMING_MIB` (comma-separated, default
//! 100), rounds: `MIGBENCH_STREAMING_ROUNDS` (default 2). Under `cargo test`
//! (no `--bench`) it does nothing.

use migbench::engine::{self, image, ContainerSpec, Engine, EngineKind, RUN_LABEL};
use migbench::runner::criu_version;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHECKPOINTS: &str = "/var/lib/migbench/checkpoints";
const API: &str = "http://d/v4.0.0/libpod";
const TAG: &str = "bench-streaming";

/// CPU time (user + system), seconds, of this process or of its waited-for children.
fn cpu_s(who: libc::c_int) -> f64 {
    // SAFETY: getrusage fills the struct it is given; all-zero is a valid rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid `who` and a pointer to an owned rusage.
    let rc = unsafe { libc::getrusage(who, &mut usage) };
    assert_eq!(rc, 0, "getrusage");
    let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    s(usage.ru_utime) + s(usage.ru_stime)
}

/// One direction of one client: totals over the rounds.
#[derive(Default, Clone, Copy)]
struct Moved {
    bytes: u64,
    wall_s: f64,
    cpu_s: f64,
}

impl Moved {
    fn add(&mut self, bytes: u64, wall_s: f64, cpu_s: f64) {
        self.bytes += bytes;
        self.wall_s += wall_s;
        self.cpu_s += cpu_s;
    }

    fn row(&self, name: &str) {
        let gb = self.bytes as f64 / 1e9;
        println!(
            "{name:<22} {:>10.1} {:>8.2} {:>8.3} {:>10.3} {:>8.0}",
            self.bytes as f64 / 1e6,
            self.wall_s,
            self.cpu_s,
            self.cpu_s / gb,
            self.bytes as f64 / 1e6 / self.wall_s
        );
    }
}

#[derive(Default)]
struct Sides {
    migbench_export: Moved,
    migbench_import: Moved,
    curl_export: Moved,
    curl_import: Moved,
}

fn spec(name: String, memory_mib: u64, image: &str) -> ContainerSpec {
    ContainerSpec {
        name,
        image: image.to_string(),
        cmd: image::workload_cmd(500, memory_mib, 10),
        labels: HashMap::from([(RUN_LABEL.to_string(), TAG.to_string())]),
    }
}

/// curl on the service's socket with `args`; its CPU and wall time.
fn curl(socket: &str, args: &[&str]) -> (f64, f64) {
    let cpu = cpu_s(libc::RUSAGE_CHILDREN);
    let started = Instant::now();
    let out = Command::new("curl")
        .args(["-sSf", "--unix-socket", socket])
        .args(args)
        .output()
        .expect("curl runs");
    let wall = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (wall, cpu_s(libc::RUSAGE_CHILDREN) - cpu)
}

/// One round: `id` exported and imported by migbench, its clone by curl;
/// returns the last clone's name.
async fn round(
    engine: &dyn Engine,
    socket: &str,
    dir: &Path,
    (id, n): (&str, usize),
    image: &str,
    sides: &mut Sides,
) -> String {
    let (cpu, started) = (cpu_s(libc::RUSAGE_SELF), Instant::now());
    let exported = engine
        .checkpoint(id, dir, &format!("mb{n}"))
        .await
        .expect("migbench export");
    let wall = started.elapsed().as_secs_f64();
    sides
        .migbench_export
        .add(exported.bytes, wall, cpu_s(libc::RUSAGE_SELF) - cpu);
    let clone = spec(format!("{TAG}-{n}-mb"), 0, image);
    let (cpu, started) = (cpu_s(libc::RUSAGE_SELF), Instant::now());
    engine
        .restore(&clone, &exported.path, &std::sync::OnceLock::new())
        .await
        .expect("migbench import");
    let wall = started.elapsed().as_secs_f64();
    sides
        .migbench_import
        .add(exported.bytes, wall, cpu_s(libc::RUSAGE_SELF) - cpu);
    std::fs::remove_file(&exported.path).expect("remove the archive");

    let archive = dir.join(format!("curl{n}.tar"));
    let archive_arg = archive.to_string_lossy().to_string();
    let url = format!("{API}/containers/{}/checkpoint?export=true", clone.name);
    let (wall, cpu) = curl(socket, &["-X", "POST", "-o", &archive_arg, &url]);
    let bytes = std::fs::metadata(&archive).expect("curl's archive").len();
    sides.curl_export.add(bytes, wall, cpu);
    let name = format!("{TAG}-{n}-curl");
    let url = format!("{API}/containers/import/restore?import=true&name={name}");
    // -T streams the file (--data-binary would read it whole first); no
    // Expect: 100-continue round trip, as migbench sends none.
    let (wall, cpu) = curl(
        socket,
        &[
            "-X",
            "POST",
            "-H",
            "Content-Type: application/x-tar",
            "-H",
            "Expect:",
            "-T",
            &archive_arg,
            "-o",
            "/dev/null",
            &url,
        ],
    );
    sides.curl_import.add(bytes, wall, cpu);
    std::fs::remove_file(&archive).expect("remove the archive");
    name
}

async fn remove_all(engine: &dyn Engine) {
    for c in engine
        .list_labelled(RUN_LABEL, Some(TAG))
        .await
        .expect("list")
    {
        engine.remove(&c.id).await.expect("remove");
    }
}

async fn measure(engine: Arc<dyn Engine>, image: &str, memory_mib: u64, rounds: usize) -> Sides {
    let socket = EngineKind::Podman
        .default_endpoint()
        .trim_start_matches("unix://");
    let dir = tempfile::tempdir_in(CHECKPOINTS).expect("checkpoint dir");
    let first = spec(format!("{TAG}-0"), memory_mib, image);
    let mut id = engine.create(&first).await.expect("create");
    engine.start(&id).await.expect("start");
    // Let the workload allocate and dirty its memory (about 1 GB/s here).
    tokio::time::sleep(Duration::from_millis(1000 + memory_mib * 2)).await;
    let mut sides = Sides::default();
    for n in 0..rounds {
        id = round(
            engine.as_ref(),
            socket,
            dir.path(),
            (&id, n),
            image,
            &mut sides,
        )
        .await;
    }
    remove_all(engine.as_ref()).await;
    sides
}

/// The lock the real-engine tests take (tests/common): they check that
/// nothing is left behind, and would see this bench's containers and files.
fn engine_lock() -> std::fs::File {
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open("/tmp/migbench-engine-tests.lock")
        .expect("open the machine-wide test lock");
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive).expect("flock");
    lock
}

fn env_list(name: &str, default: &str) -> Vec<u64> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(|v| v.trim().parse().expect("a number"))
        .collect()
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let sizes = env_list("MIGBENCH_STREAMING_MIB", "100");
    let rounds = env_list("MIGBENCH_STREAMING_ROUNDS", "2")[0] as usize;
    let kind = EngineKind::Podman;
    let _engine = engine_lock();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let engine =
        engine::connect(kind, kind.default_endpoint(), Duration::from_secs(300)).expect("endpoint");
    if runtime.block_on(engine.info()).is_err() || criu_version().is_none() {
        println!("streaming skipped: no Podman service or no CRIU (run scripts/provision.sh)");
        return;
    }
    std::fs::create_dir_all(CHECKPOINTS).expect("checkpoint root");
    let (image, _) = runtime
        .block_on(image::ensure_image(engine.as_ref()))
        .expect("workload image");
    runtime.block_on(remove_all(engine.as_ref()));
    for memory_mib in sizes {
        let sides = runtime.block_on(measure(engine.clone(), &image, memory_mib, rounds));
        println!("\nstreaming: workload {memory_mib} MiB, {rounds} round(s)");
        println!(
            "{:<22} {:>10} {:>8} {:>8} {:>10} {:>8}",
            "client, direction", "MB", "wall s", "CPU s", "CPU-s/GB", "MB/s"
        );
        sides.migbench_export.row("migbench export");
        sides.curl_export.row("curl export");
        sides.migbench_import.row("migbench import");
        sides.curl_import.row("curl import");
    }
}

//! The floor under every engine, in one run on one machine
//! (`cargo bench --bench floor`): the same workload migrated, one at a time,
//!
//! 1. by raw CRIU, a plain process in its own pid namespace (floor/raw_criu.rs);
//! 2. by bare runc from a hand-made bundle (floor/bare_runc.rs);
//! 3. by `migbench run scenarios/floor.toml` on each of its engines
//!    (floor/engine_runs.rs),
//!
//! then one markdown table: checkpoint and restore p50, downtime p50 and p99
//! (as the workload measured it), CRIU's share where known.
//!
//! Memory sizes are `MIGBENCH_FLOOR_MIB` (default "16,256"), migrations per
//! method and size `MIGBENCH_FLOOR_N` (default 20), the engines
//! `MIGBENCH_FLOOR_ENGINES` (default "runc,podman,docker"), the migbench
//! binary `MIGBENCH_BIN` (default: the one built with this bench). A method
//! that fails is reported as "not available" with its reason, and the rest
//! go on. Under `cargo test` (no `--bench`) it does nothing.

// The crate root's modules would be looked up beside it: they live in floor/.
#[path = "floor/bare_runc.rs"]
mod bare_runc;
#[path = "floor/engine_runs.rs"]
mod engine_runs;
#[path = "floor/figures.rs"]
mod figures;
#[path = "floor/processes.rs"]
mod processes;
#[path = "floor/raw_criu.rs"]
mod raw_criu;

use anyhow::{Context, Result};
use figures::{Figures, Row, Sample};
use migbench::engine::image::{self, WORKLOAD_BINARY, WORKLOAD_PATH};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Where the images go: the disk migbench's checkpoints go to.
const CHECKPOINTS: &str = "/var/lib/migbench/checkpoints";

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A directory holding the root filesystem both raw CRIU and runc start
/// the workload from: just the binary, as in migbench's image.
fn rootfs(dir: &Path) -> std::path::PathBuf {
    let rootfs = dir.join("rootfs");
    let binary = rootfs.join(WORKLOAD_PATH.trim_start_matches('/'));
    std::fs::create_dir_all(&rootfs).expect("a rootfs directory");
    std::fs::write(&binary, WORKLOAD_BINARY).expect("the workload binary written");
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755))
        .expect("the workload binary made executable");
    rootfs
}

/// `n` migrations by `once`, each in a directory of its own under `CHECKPOINTS`.
fn measure(n: usize, mut once: impl FnMut(usize, &Path) -> Result<Sample>) -> Result<Figures> {
    let mut samples = Vec::with_capacity(n);
    for index in 0..n {
        let dir = tempfile::tempdir_in(CHECKPOINTS).context("cannot make an image directory")?;
        let sample = once(index, dir.path()).with_context(|| format!("migration {index}"))?;
        samples.push(sample);
    }
    Figures::of(&samples).context("no migration measured")
}

fn row(method: &str, memory_mib: u64, outcome: Result<Figures>) -> Row {
    Row {
        method: method.into(),
        memory_mib,
        outcome: outcome.map_err(|e| format!("{e:#}")),
        note: None,
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    processes::watch_interrupts();
    let sizes: Vec<u64> = env_list("MIGBENCH_FLOOR_MIB", "16,256")
        .iter()
        .map(|s| {
            s.parse()
                .expect("MIGBENCH_FLOOR_MIB: MiB values, e.g. 16,256")
        })
        .collect();
    let n: usize = std::env::var("MIGBENCH_FLOOR_N")
        .map_or(Ok(20), |v| v.parse())
        .expect("MIGBENCH_FLOOR_N: a number of migrations");
    let engines = env_list("MIGBENCH_FLOOR_ENGINES", "runc,podman,docker");
    std::fs::create_dir_all(CHECKPOINTS).expect("the checkpoint root");
    let work = tempfile::tempdir().expect("a working directory");
    let rootfs = rootfs(work.path());
    let workload = rootfs.join(WORKLOAD_PATH.trim_start_matches('/'));
    println!(
        "floor: N = {n} per method and size, sizes {sizes:?} MiB, engines {engines:?}, migbench {}",
        engine_runs::binary().display()
    );
    let mut rows = Vec::new();
    for &memory_mib in &sizes {
        let args = image::workload_cmd(processes::LOG_INTERVAL_MS, memory_mib, processes::TICK_MS)
            [1..]
            .to_vec();
        // One method at a time, each to its end, so none loads the machine
        // under another.
        let raw = measure(n, |_, dir| raw_criu::migrate_once(&workload, &args, dir));
        rows.push(row("raw CRIU", memory_mib, raw));
        let mut full_args = vec![WORKLOAD_PATH.to_string()];
        full_args.extend(args.iter().cloned());
        let bundle = work.path().join(format!("bundle-{memory_mib}"));
        let bare = bare_runc::Runc::new(&rootfs, &full_args, &bundle)
            .and_then(|runc| measure(n, |index, dir| runc.migrate_once(index, dir)));
        rows.push(row("bare runc", memory_mib, bare));
        for engine in &engines {
            if processes::interrupted() {
                break;
            }
            rows.push(engine_runs::row(engine, memory_mib, n));
        }
        if processes::interrupted() {
            break;
        }
    }
    println!("{}", figures::table(&rows));
    let interrupted = processes::interrupted();
    // exit() runs no destructors: the working directory goes first.
    drop(work);
    if interrupted {
        std::process::exit(130);
    }
}

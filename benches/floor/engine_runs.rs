//! migbench's own engines: `migbench run scenarios/floor.toml` (one
//! container, local target) N times per engine and memory size, each
//! migration's figures read back from the run's ops.csv. One container per
//! run, as raw CRIU and bare runc migrate one process at a time: N workloads
//! alive at once would dirty N times the memory on the same 2 cores (at
//! 256 MiB that quadrupled the runc engine's checkpoint). An engine whose run
//! gives no summary is "not available", with migbench's own reason.

use super::figures::{Figures, Row, Sample};
use super::processes::{self, ChildGuard};
use anyhow::{bail, Context, Result};
use migbench::record::{OpRecord, Phase};
use migbench::summary::Summary;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The migbench binary: `MIGBENCH_BIN`, else the one cargo built with this bench.
pub fn binary() -> PathBuf {
    std::env::var_os("MIGBENCH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_migbench")))
}

/// `n` runs of one container of `memory_mib` on `engine`.
pub fn row(engine: &str, memory_mib: u64, n: usize) -> Row {
    let method = format!("migbench {engine}");
    let mut samples = Vec::new();
    let mut notes = Vec::new();
    for _ in 0..n {
        match run(engine, memory_mib, 1) {
            Ok((ops, note)) => {
                samples.extend(sample(&ops));
                notes.extend(note);
            }
            Err(e) => {
                return Row {
                    method,
                    memory_mib,
                    outcome: Err(format!("{e:#}")),
                    note: None,
                }
            }
        }
    }
    let measured = samples.len();
    if measured < n {
        notes.push(format!("downtime measured on {measured} of {n}"));
    }
    Row {
        method,
        memory_mib,
        outcome: Figures::of(&samples).ok_or_else(|| "the runs measured no downtime".into()),
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}

/// The one migration of a run's rows, when its downtime was measured.
fn sample(ops: &[OpRecord]) -> Option<Sample> {
    let ok = |phase| ops.iter().find(|r| r.phase == phase && r.outcome.is_ok());
    let (checkpoint, restore) = (ok(Phase::Checkpoint)?, ok(Phase::Restore)?);
    Some(Sample {
        checkpoint_ms: checkpoint.latency_ms,
        restore_ms: restore.latency_ms,
        downtime_ms: ok(Phase::Verify)?.downtime_ms?,
        criu_checkpoint_ms: checkpoint.criu_ms,
        criu_restore_ms: restore.criu_ms,
    })
}

fn run(engine: &str, memory_mib: u64, n: usize) -> Result<(Vec<OpRecord>, Option<String>)> {
    let results = tempfile::tempdir().context("cannot make a results directory")?;
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/floor.toml");
    let stderr = results.path().join("stderr.txt");
    let child = Command::new(binary())
        .arg("run")
        .arg(&scenario)
        .args(["--set", &format!("source.engine={engine}")])
        .args(["--set", &format!("workload.memory_mib={memory_mib}")])
        .args(["--set", &format!("containers={n}")])
        .arg("--results")
        .arg(results.path())
        // runc and CRIU as the lead's machine has them (provision.sh).
        .env(
            "PATH",
            format!(
                "/usr/local/sbin:{}",
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr).context("cannot create stderr.txt")?)
        .spawn()
        .with_context(|| format!("cannot start {}", binary().display()))?;
    let mut child = ChildGuard(child);
    let status = loop {
        if processes::interrupted() {
            // migbench cleans up after SIGTERM; the guard only reaps it.
            let _ = rustix::process::kill_process(
                rustix::process::Pid::from_child(&child.0),
                rustix::process::Signal::TERM,
            );
            let _ = child.0.wait();
            bail!("interrupted");
        }
        if let Some(status) = child.0.try_wait().context("cannot wait for migbench")? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let said = std::fs::read_to_string(&stderr).unwrap_or_default();
    let run_dir = std::fs::read_dir(results.path())
        .context("cannot read the results directory")?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir());
    let summary = run_dir
        .as_ref()
        .and_then(|dir| migbench::summary::read(dir).ok());
    match (summary, run_dir) {
        (Some(summary), Some(dir)) => {
            let ops = migbench::record::read_rows(&dir.join("ops.csv"))
                .context("cannot read the run's ops.csv")?
                .rows;
            let note = (!status.success()).then(|| failures(&summary, status));
            Ok((ops, note))
        }
        _ => bail!("{} ({status})", reason(&said)),
    }
}

/// migbench's own words: its `Error:` line and what follows, else its last line.
fn reason(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().map(str::trim).collect();
    let text = match lines.iter().position(|l| l.starts_with("Error:")) {
        Some(at) => lines[at..].join(" "),
        None => lines
            .iter()
            .rev()
            .find(|l| !l.is_empty())
            .map_or("migbench wrote nothing".to_string(), |l| l.to_string()),
    };
    text.chars().take(300).collect()
}

/// What a run that finished with failures says of them.
fn failures(summary: &Summary, status: std::process::ExitStatus) -> String {
    let v = summary.verification;
    format!(
        "migbench exited with {status}: {} continued, {} lost, {} unchecked of {}",
        v.continued, v.lost, v.unchecked, summary.containers
    )
}

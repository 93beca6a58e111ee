//! migbench's own engines: `migbench run scenarios/floor.toml` (pipeline,
//! one migration at a time, local target) per engine and memory size, its
//! figures read back from the run's summary.json. An engine whose run gives
//! no summary is "not available", with migbench's own reason.

use super::figures::{Figures, Row};
use super::processes::{self, ChildGuard};
use anyhow::{bail, Context, Result};
use migbench::record::Phase;
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

/// One `migbench run` of `n` containers of `memory_mib` on `engine`.
pub fn row(engine: &str, memory_mib: u64, n: usize) -> Row {
    let method = format!("migbench {engine}");
    let (outcome, note) = match run(engine, memory_mib, n) {
        Ok((summary, note)) => match figures(&summary) {
            Some(figures) => (Ok(figures), note),
            None => (Err("the run measured no downtime".into()), note),
        },
        Err(e) => (Err(format!("{e:#}")), None),
    };
    Row {
        method,
        memory_mib,
        outcome,
        note,
    }
}

fn run(engine: &str, memory_mib: u64, n: usize) -> Result<(Summary, Option<String>)> {
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
    let summary = run_dir.and_then(|dir| migbench::summary::read(&dir).ok());
    match summary {
        Some(summary) => {
            let measured = summary.downtime.as_ref().map_or(0, |d| d.measured);
            let note = if !status.success() {
                Some(failures(&summary, status))
            } else {
                (measured < n).then(|| format!("downtime measured on {measured} of {n}"))
            };
            Ok((summary, note))
        }
        None => bail!("{} ({status})", reason(&said)),
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

fn figures(summary: &Summary) -> Option<Figures> {
    let p50 = |phase| summary.phase(phase)?.latency.map(|l| l.p50_ms);
    let downtime = summary.downtime.as_ref()?.downtime;
    let share = |phase| {
        summary
            .criu_split
            .iter()
            .find(|s| s.phase == phase)
            .map(|s| s.criu_share_pct)
    };
    Some(Figures {
        checkpoint_p50_ms: p50(Phase::Checkpoint)?,
        restore_p50_ms: p50(Phase::Restore)?,
        downtime_p50_ms: downtime.p50_ms,
        downtime_p99_ms: downtime.p99_ms,
        criu_share_pct: share(Phase::Checkpoint).zip(share(Phase::Restore)),
    })
}

//! What the floor's methods share: the processes they start (each one ended
//! by a guard, on success, error or interruption alike, and only ever the
//! very process that was started), waiting, timing, and the workload's log.

use anyhow::{bail, Context, Result};
use migbench::runner::{CounterLine, ResumedLine};
use rustix::process::{pidfd_open, pidfd_send_signal, Pid, PidfdFlags, Signal};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a workload may take to print its first line or its `resumed` line.
const STEP: Duration = Duration::from_secs(20);
/// How long a workload runs before its checkpoint (the scenario's `warmup_s`).
pub const WARMUP: Duration = Duration::from_secs(1);
/// The workload's line interval and tick, as in scenarios/floor.toml.
pub const LOG_INTERVAL_MS: u64 = 200;
pub const TICK_MS: u64 = 10;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Notes SIGINT and SIGTERM, so that the bench stops at its next step and
/// its guards clean up, instead of dying with containers left running.
pub fn watch_interrupts() {
    std::thread::spawn(|| {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async {
            let Ok(mut term) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            else {
                return;
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            INTERRUPTED.store(true, Ordering::SeqCst);
        });
    });
}

/// An error once the bench was asked to stop.
pub fn check_interrupted() -> Result<()> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        bail!("interrupted");
    }
    Ok(())
}

pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// A child process that is killed and reaped when the guard goes.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // Until it is reaped, its pid cannot be anyone else's.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A process the bench caused but is not the parent of (a workload under
/// `unshare`, a process CRIU restored), held by a pidfd so that the kill
/// at the end reaches that process and no other that took its pid.
pub struct PidGuard(OwnedFd);

impl PidGuard {
    pub fn open(pid: u32) -> Result<PidGuard> {
        let raw = i32::try_from(pid).context("a pid out of range")?;
        let pid = Pid::from_raw(raw).context("pid 0")?;
        let fd = pidfd_open(pid, PidfdFlags::empty())
            .with_context(|| format!("process {pid:?} is gone"))?;
        Ok(PidGuard(fd))
    }
}

impl Drop for PidGuard {
    fn drop(&mut self) {
        let _ = pidfd_send_signal(&self.0, Signal::KILL);
    }
}

/// Polls `ready` every 5 ms until it gives a value, for at most `STEP`.
pub fn wait_for<T>(what: &str, mut ready: impl FnMut() -> Option<T>) -> Result<T> {
    let started = Instant::now();
    loop {
        check_interrupted()?;
        if let Some(value) = ready() {
            return Ok(value);
        }
        if started.elapsed() > STEP {
            bail!("{what} not within {} s", STEP.as_secs());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `command` to its end; its wall time in ms, or what it said when it
/// failed (with the tail of `log`, where CRIU writes its reasons).
pub fn timed(command: &mut Command, log: &Path) -> Result<f64> {
    check_interrupted()?;
    let started = Instant::now();
    let out = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {:?}", command.get_program()))?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        bail!(
            "{:?} exited with {}: {} {}",
            command.get_program(),
            out.status,
            said.trim(),
            log_tail(log)
        );
    }
    Ok(ms)
}

/// The last two errors CRIU wrote to `log`, else its last two lines (runc
/// writes its own errors into the container's log), for a failure's message.
fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut picked: Vec<&str> = text.lines().filter(|l| l.contains("Error (")).collect();
    if picked.is_empty() {
        picked = text.lines().filter(|l| !l.trim().is_empty()).collect();
    }
    let last = &picked[picked.len().saturating_sub(2)..];
    last.iter().map(|l| l.trim()).collect::<Vec<_>>().join("; ")
}

/// The lines of the workload's log so far.
pub fn lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Waits for the workload's first counter line, then lets it run `WARMUP`.
pub fn warm_up(log: &Path) -> Result<()> {
    wait_for("the workload's first line", || {
        CounterLine::last_of(&lines(log))
    })?;
    std::thread::sleep(WARMUP);
    check_interrupted()
}

/// The last counter the workload printed before it was stopped.
pub fn last_seq(log: &Path) -> Result<u64> {
    CounterLine::last_of(&lines(log))
        .map(|c| c.seq)
        .context("the workload printed no counter before its checkpoint")
}

/// The stop the migration caused, as the restored workload reports it in
/// `log`, after its counter stood at `before_seq`; ms.
pub fn downtime_ms(log: &Path, before_seq: u64) -> Result<f64> {
    let stop = wait_for("the restored workload's `resumed` line", || {
        ResumedLine::migration_stop(&lines(log), before_seq)
    })?;
    Ok(stop.stopped_ms as f64)
}

//! The guest-OS reserve: a VM's memory also holds its kernel, its userland and
//! its page cache, which an emulated host does not have. With
//! `emulate.os_reserve` a process inside the host's budget holds that much
//! anonymous memory and keeps touching it, so an emulated host can stand for a
//! VM of the lab's size. The process is migbench's own workload binary (a copy
//! written to the host's directory), run as
//! `os-reserve --memory-mib N --interval-ms 1000`: it fills N MiB and rewrites
//! one byte of every page each second, so its pages stay hot. It asks for an
//! OOM score of -1000, like the guest kernel's memory, which no OOM killer can
//! take back; lowering a score needs CAP_SYS_RESOURCE, and without it (as in
//! some sandboxes) the reserve may be the OOM killer's pick: that kill is the
//! hard failure like any other.

use super::host_error::{io_error, HostError};
use super::state::HostState;
use crate::engine::image::WORKLOAD_BINARY;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The reserve's program name (and its `comm`).
pub const PROGRAM: &str = "os-reserve";
/// How often every page of the reserve is touched.
const TOUCH_INTERVAL_MS: u64 = 1000;
/// How long the reserve may take to fill its memory.
const FILL_TIMEOUT: Duration = Duration::from_secs(60);

fn program(host: &HostState) -> PathBuf {
    host.base_dir().join(PROGRAM)
}

/// The reserve in whole MiB (rounded up).
pub fn mib(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

/// Starts the reserve inside the host's cgroup (a shell that writes its pid
/// to the cgroup's `cgroup.procs`, then execs it); returns its pid.
pub fn start(host: &HostState) -> Result<u32, HostError> {
    let path = program(host);
    std::fs::write(&path, WORKLOAD_BINARY)
        .map_err(io_error("cannot write the OS reserve program", &path))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
        .map_err(io_error("cannot make executable", &path))?;
    let join = super::host_cgroup::join_script(&host.cgroup, crate::cgroup::Member::Reserve)?;
    let script = format!(
        "{join}{{ echo -1000 > /proc/self/oom_score_adj; }} 2>/dev/null; exec '{}' --memory-mib {} --interval-ms {TOUCH_INTERVAL_MS} --tick-ms {TOUCH_INTERVAL_MS}",
        path.display(),
        mib(host.spec.os_reserve_bytes)
    );
    let child = Command::new("setsid")
        .args(["sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| HostError::Command {
            command: format!("setsid sh -c 'exec {PROGRAM} ...'"),
            detail: e.to_string(),
        })?;
    // The shell execs the program, so the child's pid is the reserve's.
    Ok(child.id())
}

/// Waits until the reserve holds its memory (its resident set), so the run's
/// first sample already counts it.
pub async fn wait_filled(host: &HostState, pid: u32) -> Result<(), HostError> {
    let want_kib = mib(host.spec.os_reserve_bytes) * 1024;
    let started = Instant::now();
    while started.elapsed() < FILL_TIMEOUT {
        if !crate::process::is_alive(pid) {
            return Err(HostError::Budget(format!(
                "the OS reserve of host '{}' ({} MiB) exited: it does not fit the host's memory",
                host.spec.name,
                mib(host.spec.os_reserve_bytes)
            )));
        }
        if resident_kib(pid).is_some_and(|kib| kib >= want_kib) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(HostError::Budget(format!(
        "the OS reserve of host '{}' did not fill its {} MiB within {} s",
        host.spec.name,
        mib(host.spec.os_reserve_bytes),
        FILL_TIMEOUT.as_secs()
    )))
}

/// VmRSS of `pid`, KiB.
fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Kills the reserve if its recorded pid is still provably that process
/// (same boot, same start time); the cgroup sweep of teardown removes it in
/// any case.
pub fn stop(host: &HostState) {
    let Some(stamp) = &host.reserve else {
        return;
    };
    if crate::process::signal_if(stamp.pid, libc::SIGKILL, |_| stamp.is_current()) {
        // Reaps our child if it is one.
        crate::process::reap(stamp.pid, true);
    }
}

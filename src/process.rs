//! Signalling only processes migbench can prove are the ones it means. A pid
//! is a number the kernel hands out again (after a reboot, or once the process
//! exited), so a pid read from a state file or a cgroup listing proves
//! nothing by itself. Here a process is first pinned with a pidfd, then its
//! identity is checked (its start time, or its membership of a cgroup of
//! ours), and only then is it signalled through the pidfd: the process
//! checked is the process signalled.

use serde::{Deserialize, Serialize};
use std::os::fd::OwnedFd;

/// Who a process is, beyond its pid: the machine's boot and the moment the
/// process started. Recorded when migbench starts a process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessStamp {
    pub pid: u32,
    /// Start time in clock ticks since boot (/proc/PID/stat, field 22).
    pub start_ticks: u64,
    /// /proc/sys/kernel/random/boot_id at the time.
    pub boot_id: String,
}

impl ProcessStamp {
    /// The stamp of the live process `pid`.
    pub fn of(pid: u32) -> Option<ProcessStamp> {
        Some(ProcessStamp {
            pid,
            start_ticks: start_ticks(pid)?,
            boot_id: boot_id()?,
        })
    }

    /// Whether `pid` is still the very process this stamp was taken of.
    pub fn is_current(&self) -> bool {
        ProcessStamp::of(self.pid).as_ref() == Some(self)
    }
}

/// `/proc/<pid>/stat` (`None`: `/proc/self/stat`), parsed; `None` when the
/// process is gone.
pub fn stat(pid: Option<u32>) -> Option<procfs_core::process::Stat> {
    use procfs_core::FromRead;
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".to_string(),
    };
    procfs_core::process::Stat::from_file(path).ok()
}

/// The start time of `pid` in clock ticks since boot.
pub fn start_ticks(pid: u32) -> Option<u64> {
    stat(Some(pid)).map(|s| s.starttime)
}

fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|id| id.trim().to_string())
}

/// Whether `pid` lives in cgroup `name` (or below it) in any hierarchy.
pub fn in_cgroup(pid: u32, name: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/cgroup"))
        .is_ok_and(|text| lists_cgroup(&text, name))
}

/// Whether /proc/PID/cgroup `text` places the process in `name` or below
/// it: `ID:controllers:/path` lines, one per v1 hierarchy, or the single
/// `0::/path` line of v2 (where a host's processes sit in leaves below it).
fn lists_cgroup(text: &str, name: &str) -> bool {
    let own = format!("/{name}");
    text.lines().any(|line| {
        line.splitn(3, ':').nth(2).is_some_and(|path| {
            path == own || path.strip_prefix(&own).is_some_and(|r| r.starts_with('/'))
        })
    })
}

/// Whether `pid` exists and has not exited (a zombie has).
pub fn is_alive(pid: u32) -> bool {
    stat(Some(pid)).is_some_and(|s| s.state != 'Z')
}

/// A process pinned by a pidfd: signals reach this process or none.
struct Pinned(OwnedFd);

impl Pinned {
    fn open(pid: u32) -> Option<Pinned> {
        let pid = rustix::process::Pid::from_raw(i32::try_from(pid).ok()?)?;
        rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty())
            .ok()
            .map(Pinned)
    }

    fn signal(&self, signal: i32) -> bool {
        rustix::process::Signal::from_named_raw(signal)
            .is_some_and(|signal| rustix::process::pidfd_send_signal(&self.0, signal).is_ok())
    }
}

/// Reaps `pid` if it is a child of this process that exited (`block`: waits
/// for it to exit); anything else is left alone.
pub fn reap(pid: u32, block: bool) {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return;
    };
    let options = if block {
        rustix::process::WaitOptions::empty()
    } else {
        rustix::process::WaitOptions::NOHANG
    };
    let _ = rustix::process::waitpid(Some(pid), options);
}

/// Sends `signal` to `pid` only if, once pinned, `is_ours(pid)` holds;
/// returns whether it was sent.
pub fn signal_if(pid: u32, signal: i32, is_ours: impl Fn(u32) -> bool) -> bool {
    signal_all_if(&[pid], signal, is_ours) == 1
}

/// Pins every process of `pids` first, then signals, in order, those for which
/// `is_ours` holds; returns how many were signalled. Pinned together, a
/// process tree is signalled whole even when a parent exits (or a child is
/// reparented) halfway.
pub fn signal_all_if(pids: &[u32], signal: i32, is_ours: impl Fn(u32) -> bool) -> usize {
    let pinned: Vec<(u32, Pinned)> = pids
        .iter()
        .filter_map(|&pid| Some((pid, Pinned::open(pid)?)))
        .collect();
    pinned
        .iter()
        .filter(|(pid, process)| is_ours(*pid) && process.signal(signal))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sleeper() -> std::process::Child {
        std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("sleep")
    }

    #[test]
    fn a_stamp_recognises_its_process_and_nothing_else() {
        let mut child = sleeper();
        let stamp = ProcessStamp::of(child.id()).expect("stamp");
        assert!(stamp.is_current());
        let other = ProcessStamp {
            start_ticks: stamp.start_ticks + 1,
            ..stamp.clone()
        };
        assert!(!other.is_current(), "another start time is another process");
        assert!(signal_if(child.id(), libc::SIGKILL, |_| stamp.is_current()));
        child.wait().expect("wait");
        assert!(!stamp.is_current(), "a dead process is not current");
    }

    #[test]
    fn membership_is_read_from_v1_and_v2_listings() {
        let v1 = "12:pids:/migbench-h1/abc\n4:memory:/migbench-h1\n1:name=systemd:/\n";
        assert!(lists_cgroup(v1, "migbench-h1"));
        assert!(lists_cgroup("0::/migbench-h1/engine\n", "migbench-h1"));
        assert!(!lists_cgroup("0::/migbench-h10/engine\n", "migbench-h1"));
        assert!(!lists_cgroup("0::/user.slice\n4:memory:/\n", "migbench-h1"));
    }

    #[test]
    fn a_process_that_is_not_ours_is_not_signalled() {
        let mut child = sleeper();
        assert!(!signal_if(child.id(), libc::SIGKILL, |_| false));
        assert!(is_alive(child.id()));
        assert!(!in_cgroup(child.id(), "migbench-no-such-host"));
        child.kill().expect("kill");
        child.wait().expect("wait");
        assert!(!signal_if(child.id(), libc::SIGKILL, |_| true), "gone");
    }
}

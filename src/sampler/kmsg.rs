//! OOM kills in the target, from the kernel log. A cgroup v1 memory cgroup
//! counts an OOM kill (`oom_kill` in `memory.oom_control`) in the cgroup of
//! the process killed, not in the cgroup whose limit was hit, and Docker
//! removes a killed container's cgroup within moments, often between two
//! ticks: the count would be lost with it. The kernel's own report of every
//! kill (`oom-kill:...,oom_memcg=/<cgroup>,task_memcg=/<cgroup>/<id>,...` in
//! `/dev/kmsg`) stays, so the sampler reads the new records each tick.

use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;

/// Counts the kernel's OOM-kill reports about one cgroup (or below it) since
/// it was created.
pub struct OomReports {
    kmsg: Option<std::fs::File>,
    cgroup: String,
    kills: u64,
}

impl OomReports {
    /// Starts reading at the end of the kernel log; without `/dev/kmsg` it
    /// counts nothing.
    pub fn new(cgroup: &str) -> OomReports {
        let kmsg = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open("/dev/kmsg")
            .ok()
            .and_then(|mut file| file.seek(SeekFrom::End(0)).ok().map(|_| file));
        OomReports {
            kmsg,
            cgroup: cgroup.to_string(),
            kills: 0,
        }
    }

    /// Reads the records written since the last call; returns the kills
    /// counted so far, `None` without `/dev/kmsg`.
    pub fn poll(&mut self) -> Option<u64> {
        let file = self.kmsg.as_mut()?;
        let mut record = vec![0u8; 16 * 1024];
        // Bounded: a flood of records is read over several ticks.
        for _ in 0..10_000 {
            match file.read(&mut record) {
                Ok(0) => break,
                Ok(n) => {
                    let text = String::from_utf8_lossy(&record[..n]);
                    if is_kill_in(&text, &self.cgroup) {
                        self.kills += 1;
                    }
                }
                // Records overwritten before they were read: go on with the next.
                Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
                Err(_) => break,
            }
        }
        Some(self.kills)
    }
}

/// Whether a kernel log record reports an OOM kill whose limit or victim
/// lies in `cgroup` (or below it).
pub fn is_kill_in(record: &str, cgroup: &str) -> bool {
    let Some((_, report)) = record.split_once("oom-kill:") else {
        return false;
    };
    report.split(',').any(|field| {
        let memcg = field
            .strip_prefix("oom_memcg=")
            .or_else(|| field.strip_prefix("task_memcg="));
        memcg
            .and_then(|path| path.trim().strip_prefix('/'))
            .is_some_and(|path| {
                path == cgroup
                    || path
                        .strip_prefix(cgroup)
                        .is_some_and(|r| r.starts_with('/'))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kills_are_attributed_to_the_host_cgroup() {
        let record = "3,1234,99887766,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=abc,mems_allowed=0,oom_memcg=/migbench-h1,task_memcg=/migbench-h1/0123abcd,task=workload,pid=4242,uid=0\n";
        assert!(is_kill_in(record, "migbench-h1"));
        assert!(
            !is_kill_in(record, "migbench-h"),
            "a prefix of the name is another cgroup"
        );
        assert!(!is_kill_in(record, "migbench-h2"));
        assert!(!is_kill_in(
            "6,1,2,-;Killed process 4242 (workload)",
            "migbench-h1"
        ));
    }
}

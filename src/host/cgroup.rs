//! The host's cgroup (v1): created in memory, cpu and cpuacct with the
//! budget; on teardown, emptied and removed in every hierarchy, since the
//! host's engine creates container cgroups under it in all of them.

use super::{io_error, HostError, HostSpec};
use std::path::{Path, PathBuf};
use std::time::Duration;

const ROOT: &str = "/sys/fs/cgroup";
/// Hierarchies the engine itself is placed in (see dockerd.rs).
pub const JOINED: [&str; 3] = ["memory", "cpu", "cpuacct"];
const CFS_PERIOD_US: u64 = 100_000;

fn write(path: &Path, value: &str) -> Result<(), HostError> {
    std::fs::write(path, value).map_err(io_error(&format!("cannot write '{value}' to"), path))
}

/// Creates the cgroup with its memory, memory+swap and CPU limits.
pub fn create(cgroup: &str, spec: &HostSpec) -> Result<(), HostError> {
    for hierarchy in JOINED {
        let root = Path::new(ROOT).join(hierarchy);
        if !root.is_dir() {
            return Err(HostError::NoController(hierarchy.to_string()));
        }
        let dir = root.join(cgroup);
        std::fs::create_dir_all(&dir).map_err(io_error("cannot create cgroup", &dir))?;
    }
    let memory = Path::new(ROOT).join("memory").join(cgroup);
    // The memory limit must be set first: memsw may never be below it.
    write(
        &memory.join("memory.limit_in_bytes"),
        &spec.memory_bytes.to_string(),
    )?;
    let memsw = memory.join("memory.memsw.limit_in_bytes");
    if !memsw.exists() {
        return Err(HostError::NoController(
            "memory (swap accounting: boot with swapaccount=1)".into(),
        ));
    }
    write(&memsw, &(spec.memory_bytes + spec.swap_bytes).to_string())?;
    if let Some(cpus) = spec.cpus {
        let cpu = Path::new(ROOT).join("cpu").join(cgroup);
        write(&cpu.join("cpu.cfs_period_us"), &CFS_PERIOD_US.to_string())?;
        let quota = (cpus * CFS_PERIOD_US as f64).round() as u64;
        write(&cpu.join("cpu.cfs_quota_us"), &quota.max(1000).to_string())?;
    }
    Ok(())
}

/// The cgroup's directory in every mounted hierarchy where it exists.
fn instances(cgroup: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(ROOT) else {
        return Vec::new();
    };
    entries
        .flatten()
        // Symlinked names (cpu,cpuacct aliases) would list a hierarchy twice.
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path().join(cgroup))
        .filter(|p| p.is_dir())
        .collect()
}

/// Every directory under `dir`, children before parents.
fn depth_first(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                out.extend(depth_first(&entry.path()));
            }
        }
    }
    out.push(dir.to_path_buf());
    out
}

fn pids_in(dir: &Path) -> Vec<u32> {
    std::fs::read_to_string(dir.join("cgroup.procs"))
        .map(|t| t.lines().filter_map(|l| l.trim().parse().ok()).collect())
        .unwrap_or_default()
}

/// SIGKILLs every process in the cgroup tree, in every hierarchy, until none is left
/// (shims and containers outlive an OOM-killed daemon).
pub async fn kill_all(cgroup: &str) {
    for _ in 0..100 {
        let pids: Vec<u32> = instances(cgroup)
            .iter()
            .flat_map(|root| depth_first(root))
            .flat_map(|dir| pids_in(&dir))
            .collect();
        if pids.is_empty() {
            return;
        }
        for pid in pids {
            // Listed a moment ago; signalled only if still a member once pinned.
            crate::process::signal_if(pid, libc::SIGKILL, |pid| {
                crate::process::in_cgroup(pid, cgroup)
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Removes the cgroup tree in every hierarchy, deepest first.
pub async fn remove(cgroup: &str) -> Result<(), HostError> {
    let mut last_error = None;
    for _ in 0..50 {
        last_error = None;
        for root in instances(cgroup) {
            for dir in depth_first(&root) {
                if let Err(e) = std::fs::remove_dir(&dir) {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        last_error = Some((dir, e));
                    }
                }
            }
        }
        if last_error.is_none() {
            return Ok(());
        }
        // Exiting processes keep a cgroup busy for a moment.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    match last_error {
        Some((dir, e)) => Err(io_error("cannot remove cgroup", &dir)(e)),
        None => Ok(()),
    }
}

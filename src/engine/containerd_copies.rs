//! containerd's leftover copies of restored checkpoints. For every restore
//! Docker 20.10's containerd copies the checkpoint into a temporary directory
//! (`/tmp/ctrd-checkpoint<N>/`) and never removes it (an emulated host's
//! containerd does the same): 109 restores of 16 MiB containers left 1.76 GB.
//!
//! A copy is recognised by content: its `cgroup.img` (which names the original
//! container's cgroup, unique to it) and `core-1.img` equal those of the
//! checkpoint it was copied from. A restore removes the copies of its own
//! checkpoint once it has returned, so no directory another run may still use
//! is ever touched; `clean` removes the copies of migbench workloads that no
//! process uses and that are not of a live run's container.

use super::fsutil::dir_bytes;
use std::path::{Path, PathBuf};

/// containerd's temporary directory (Go's `os.TempDir()` for a daemon started
/// without TMPDIR, as scripts/provision.sh and emulated hosts start it).
const TEMP_DIR: &str = "/tmp";
const COPY_PREFIX: &str = "ctrd-checkpoint";
/// Images that tell a checkpoint apart: the original's cgroup and its task.
const FINGERPRINT: [&str; 2] = ["cgroup.img", "core-1.img"];

/// containerd's checkpoint copies on this machine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Litter {
    pub count: usize,
    pub bytes: u64,
    /// Of those, copies of migbench's workload.
    pub migbench_count: usize,
}

fn copies() -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(TEMP_DIR) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(COPY_PREFIX))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect()
}

fn fingerprint(dir: &Path) -> Option<Vec<Vec<u8>>> {
    FINGERPRINT
        .iter()
        .map(|file| std::fs::read(dir.join(file)).ok())
        .collect()
}

/// Removes containerd's copies of `checkpoint` (a directory of CRIU images);
/// returns how many. Call it only once the restore of that checkpoint has returned.
pub fn remove_copies_of(checkpoint: &Path) -> usize {
    let Some(ours) = fingerprint(checkpoint) else {
        return 0;
    };
    copies()
        .into_iter()
        .filter(|copy| fingerprint(copy).as_ref() == Some(&ours))
        .filter(|copy| std::fs::remove_dir_all(copy).is_ok())
        .count()
}

/// Whether a copy holds a migbench workload: its task is the workload binary.
fn is_workload_copy(dir: &Path) -> bool {
    let names = |file: &str, needle: &[u8]| {
        std::fs::read(dir.join(file))
            .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
    };
    names("files.img", super::image::WORKLOAD_PATH.as_bytes()) && names("core-1.img", b"workload")
}

/// Counts containerd's checkpoint copies and their size (for `doctor`).
pub fn survey() -> Litter {
    copies().iter().fold(Litter::default(), |mut litter, dir| {
        litter.count += 1;
        litter.bytes += dir_bytes(dir).unwrap_or(0);
        litter.migbench_count += usize::from(is_workload_copy(dir));
        litter
    })
}

/// Every path some process holds open, runs in, or names in its arguments.
fn paths_in_use() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut used = Vec::new();
    for process in entries.flatten() {
        let dir = process.path();
        if let Ok(fds) = std::fs::read_dir(dir.join("fd")) {
            used.extend(
                fds.flatten()
                    .filter_map(|fd| std::fs::read_link(fd.path()).ok())
                    .map(|p| p.display().to_string()),
            );
        }
        if let Ok(cwd) = std::fs::read_link(dir.join("cwd")) {
            used.push(cwd.display().to_string());
        }
        if let Ok(cmdline) = std::fs::read(dir.join("cmdline")) {
            used.push(String::from_utf8_lossy(&cmdline).replace('\0', " "));
        }
    }
    used
}

/// Removes the copies of migbench workloads that no process uses and that
/// are not of a container in `live_container_ids` (a run still going);
/// returns one line per copy removed or kept.
pub fn remove_unused(live_container_ids: &[String]) -> Vec<String> {
    let candidates: Vec<PathBuf> = copies()
        .into_iter()
        .filter(|dir| is_workload_copy(dir))
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let in_use = paths_in_use();
    let mut lines = Vec::new();
    let (mut removed, mut bytes) = (0, 0);
    for dir in candidates {
        let path = dir.display().to_string();
        let used = in_use.iter().any(|p| p.contains(&path));
        let cgroup = std::fs::read(dir.join("cgroup.img")).unwrap_or_default();
        let live = live_container_ids
            .iter()
            .any(|id| !id.is_empty() && cgroup.windows(id.len()).any(|w| w == id.as_bytes()));
        if used || live {
            lines.push(format!(
                "'{path}' is in use by a restore or a run still going: left alone"
            ));
            continue;
        }
        let size = dir_bytes(&dir).unwrap_or(0);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {
                removed += 1;
                bytes += size;
            }
            Err(e) => lines.push(format!("cannot remove '{path}': {e}")),
        }
    }
    if removed > 0 {
        lines.push(format!(
            "{removed} checkpoint copies left by containerd removed from {TEMP_DIR} ({})",
            bytesize::ByteSize(bytes)
        ));
    }
    lines
}

/// The readiness check of containerd's checkpoint copies left in /tmp.
pub fn check() -> super::Check {
    let litter = survey();
    super::Check::optional(
        "restore litter in /tmp",
        litter.migbench_count == 0,
        format!(
            "{} checkpoint copies left by containerd ({}), {} of them of migbench workloads",
            litter.count,
            bytesize::ByteSize(litter.bytes),
            litter.migbench_count
        ),
        "`migbench clean` removes those of runs no longer going",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_recognised_by_its_images() {
        let dir = tempfile::tempdir().expect("tempdir");
        let checkpoint = dir.path().join("checkpoint");
        std::fs::create_dir(&checkpoint).expect("mkdir");
        std::fs::write(checkpoint.join("cgroup.img"), b"/docker/abc").expect("write");
        std::fs::write(checkpoint.join("core-1.img"), b"task workload").expect("write");
        let copy = dir.path().join("copy");
        std::fs::create_dir(&copy).expect("mkdir");
        std::fs::write(copy.join("cgroup.img"), b"/docker/abc").expect("write");
        std::fs::write(copy.join("core-1.img"), b"task workload").expect("write");
        assert_eq!(fingerprint(&checkpoint), fingerprint(&copy));
        std::fs::write(copy.join("core-1.img"), b"another task").expect("write");
        assert_ne!(fingerprint(&checkpoint), fingerprint(&copy));
        assert_eq!(fingerprint(&dir.path().join("none")), None);
    }
}

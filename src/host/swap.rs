//! Swap for an emulated host: its memory+swap budget needs swap to exist.
//! A swap file is created only when free swap falls short, never larger than
//! its filesystem can spare, and removed on any failure once `fallocate` has
//! started (a failed `fallocate` may already have filled the disk); on
//! `down` only if this host created it; by `clean` once its host is gone.

use super::host_error::{io_error, HostError};
use super::state::HostSpec;
use super::tools::run;
use crate::machine::{self, FsSpace};
use std::path::{Path, PathBuf};

/// Where swap files live, one per host: `<host name>.swap`.
pub const SWAP_DIR: &str = "/var/lib/migbench/swap";

/// The size of the swap file a host with `swap_bytes` of swap would create:
/// none when the machine's free swap already covers it.
pub fn file_bytes(swap_bytes: u64) -> u64 {
    if swap_bytes == 0 || machine::free_swap_bytes() >= swap_bytes {
        0
    } else {
        swap_bytes
    }
}

/// The swap file host `spec` needs, if any (not created yet).
pub fn plan(spec: &HostSpec) -> Option<PathBuf> {
    (file_bytes(spec.swap_bytes) > 0)
        .then(|| Path::new(SWAP_DIR).join(format!("{}.swap", spec.name)))
}

/// Creates, formats and turns on a swap file of `bytes`; on any failure the
/// file is gone again.
pub fn create(file: &Path, bytes: u64) -> Result<(), HostError> {
    let dir = file.parent().unwrap_or(Path::new(SWAP_DIR));
    // Checked again here, right before the disk is touched: `run` checked
    // before anything was created, but the disk may have filled since.
    if let Some(space) = FsSpace::of(dir) {
        if bytes > space.usable_bytes() {
            return Err(HostError::Budget(format!(
                "a swap file of {} would not fit on the filesystem of '{}', which has {} free ({} kept free)",
                bytesize::ByteSize(bytes),
                space.probed.display(),
                bytesize::ByteSize(space.free_bytes),
                bytesize::ByteSize(space.kept_free_bytes())
            )));
        }
    }
    std::fs::create_dir_all(dir).map_err(io_error("cannot create swap directory", dir))?;
    let _ = std::fs::remove_file(file);
    make(file, bytes)
}

/// `fallocate`, `chmod`, `mkswap`, `swapon`; the file removed if any fails.
fn make(file: &Path, bytes: u64) -> Result<(), HostError> {
    let path = file.display().to_string();
    let made = run("fallocate", &["-l", &bytes.to_string(), &path])
        .and_then(|()| run("chmod", &["600", &path]))
        .and_then(|()| run("mkswap", &[&path]))
        .and_then(|()| run("swapon", &[&path]));
    if made.is_err() {
        let _ = remove(file);
    }
    made
}

/// Turns a swap file off and deletes it (nothing to do if it is not there).
pub fn remove(file: &Path) -> Result<(), HostError> {
    let active = std::fs::read_to_string("/proc/swaps")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split_whitespace().next() == Some(&file.display().to_string()));
    if active {
        run("swapoff", &[&file.display().to_string()])?;
    }
    match std::fs::remove_file(file) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(io_error("cannot remove swap file", file)(e))
        }
        _ => Ok(()),
    }
}

/// Removes every swap file whose host `still_up` does not claim (by the host
/// name the file is named after); returns one line per file.
pub fn remove_orphans(still_up: impl Fn(&str) -> bool) -> Vec<String> {
    remove_orphans_in(Path::new(SWAP_DIR), still_up)
}

fn remove_orphans_in(dir: &Path, still_up: impl Fn(&str) -> bool) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for path in entries.flatten().map(|e| e.path()) {
        let Some(host) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".swap"))
        else {
            continue;
        };
        if still_up(host) {
            lines.push(format!(
                "swap file '{}' belongs to host '{host}', still up: left alone",
                path.display()
            ));
            continue;
        }
        lines.push(match remove(&path) {
            Ok(()) => format!("removed swap file '{}'", path.display()),
            Err(e) => format!("swap file '{}': {e}", path.display()),
        });
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swap_file_the_disk_cannot_hold_is_refused_before_it_exists() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("swap/h.swap");
        let e = create(&file, 1 << 50)
            .expect_err("1 PiB does not fit")
            .to_string();
        assert!(e.contains("would not fit on the filesystem of"), "{e}");
        assert!(!file.exists() && !file.parent().expect("dir").exists());
    }

    #[test]
    fn a_failure_once_fallocate_started_removes_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("h.swap");
        // fallocate opens the path and then fails on it (a FIFO has no blocks).
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &file,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .expect("mkfifo");
        let e = make(&file, 1 << 20).expect_err("fallocate fails on a FIFO");
        assert!(e.to_string().contains("fallocate"), "{e}");
        assert!(!file.exists(), "the file is removed on failure");
    }

    #[test]
    fn clean_removes_swap_files_of_hosts_that_are_gone() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["r1.swap", "lab.swap", "notes.txt"] {
            std::fs::write(dir.path().join(name), b"").expect("write");
        }
        let lines = remove_orphans_in(dir.path(), |host| host == "lab");
        assert!(!dir.path().join("r1.swap").exists());
        assert!(dir.path().join("lab.swap").exists() && dir.path().join("notes.txt").exists());
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines.iter().any(|l| l.starts_with("removed swap file")),
            "{lines:?}"
        );
    }
}

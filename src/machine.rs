//! Facts about this machine that budgets are checked against: RAM, cores,
//! free swap, and the free space of the filesystem a path would be created on.
//! Each is one cheap read (`/proc/meminfo`, `statvfs`), so checks run in
//! microseconds, before anything is created.

use std::path::{Path, PathBuf};

/// Space every filesystem keeps free beyond what a run asks for: 1 GiB...
pub const KEPT_FREE_BYTES: u64 = 1 << 30;
/// ...plus this share of the filesystem's size, percent.
pub const KEPT_FREE_PCT: u64 = 5;

/// The machine's memory figures, read now (sysinfo reads /proc/meminfo).
fn memory() -> sysinfo::System {
    let mut system = sysinfo::System::new();
    system.refresh_memory();
    system
}

/// The machine's RAM, bytes.
pub fn ram_bytes() -> u64 {
    memory().total_memory()
}

/// Swap not in use right now, bytes.
pub fn free_swap_bytes() -> u64 {
    memory().free_swap()
}

/// Cores this process may run on.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The filesystem a path is (or would be) on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsSpace {
    /// The nearest existing ancestor of the path asked about (it is measured).
    pub probed: PathBuf,
    /// Its device: two paths on one filesystem share their free space.
    pub device: u64,
    /// Free to unprivileged users, bytes.
    pub free_bytes: u64,
    pub size_bytes: u64,
}

impl FsSpace {
    /// The filesystem `path` would be created on: that of its nearest
    /// existing ancestor. `None` when nothing of it can be measured.
    pub fn of(path: &Path) -> Option<FsSpace> {
        use std::os::unix::fs::MetadataExt;
        let probed = path.ancestors().find(|p| p.exists())?;
        let device = std::fs::metadata(probed).ok()?.dev();
        let stat = rustix::fs::statvfs(probed).ok()?;
        let block = stat.f_frsize as u64;
        Some(FsSpace {
            probed: probed.to_path_buf(),
            device,
            free_bytes: (stat.f_bavail as u64).saturating_mul(block),
            size_bytes: (stat.f_blocks as u64).saturating_mul(block),
        })
    }

    /// What must stay free: [`KEPT_FREE_BYTES`] + [`KEPT_FREE_PCT`] % of the size.
    pub fn kept_free_bytes(&self) -> u64 {
        KEPT_FREE_BYTES.saturating_add(self.size_bytes / 100 * KEPT_FREE_PCT)
    }

    /// What a run may use.
    pub fn usable_bytes(&self) -> u64 {
        self.free_bytes.saturating_sub(self.kept_free_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_is_measured() {
        assert!(ram_bytes() > 64 << 20);
        assert!(cores() >= 1);
        let tmp = FsSpace::of(Path::new("/tmp/no/such/dir/yet")).expect("/tmp is measurable");
        assert_eq!(tmp.probed, Path::new("/tmp"));
        assert!(tmp.size_bytes >= tmp.free_bytes && tmp.size_bytes > 0);
        assert!(tmp.kept_free_bytes() >= KEPT_FREE_BYTES);
        assert!(tmp.usable_bytes() < tmp.free_bytes);
    }
}

/// Where something is mounted in this process's mount namespace, from
/// /proc/self/mountinfo; nothing when it cannot be read.
pub fn mount_points() -> Vec<std::path::PathBuf> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    text.lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(unescape_mount_path)
        .collect()
}

/// A mountinfo path with the kernel's octal escapes undone: it writes a
/// space, tab, newline and backslash of a path as `\040`, `\011`, `\012` and
/// `\134`. (Written here because no crate does: procfs 0.17 keeps them.)
fn unescape_mount_path(field: &str) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStringExt;
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)))
            .and_then(|d| u8::from_str_radix(std::str::from_utf8(d).ok()?, 8).ok());
        match octal {
            Some(byte) => {
                out.push(byte);
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    std::path::PathBuf::from(std::ffi::OsString::from_vec(out))
}

#[cfg(test)]
mod mount_tests {
    use super::*;

    #[test]
    fn every_escape_of_a_mount_path_is_undone() {
        assert_eq!(
            unescape_mount_path("/run/a\\040b\\011c\\134d\\012e"),
            std::path::PathBuf::from("/run/a b\tc\\d\ne")
        );
        assert_eq!(
            unescape_mount_path("/plain"),
            std::path::PathBuf::from("/plain")
        );
        // A backslash not followed by three octal digits stays as it is.
        assert_eq!(
            unescape_mount_path("/x\\9y"),
            std::path::PathBuf::from("/x\\9y")
        );
    }
}

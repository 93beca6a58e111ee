//! Facts about this machine that budgets are checked against: RAM, cores,
//! free swap, and the free space of the filesystem a path would be created on.
//! Each is one cheap read (`/proc/meminfo`, `statvfs`), so checks run in
//! microseconds, before anything is created.

use std::path::{Path, PathBuf};

/// Space every filesystem keeps free beyond what a run asks for: 1 GiB...
pub const KEPT_FREE_BYTES: u64 = 1 << 30;
/// ...plus this share of the filesystem's size, percent.
pub const KEPT_FREE_PCT: u64 = 5;

/// A `/proc/meminfo` field, bytes (0 when unreadable).
fn meminfo_bytes(key: &str) -> u64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    meminfo
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib.saturating_mul(1024))
}

/// The machine's RAM, bytes.
pub fn ram_bytes() -> u64 {
    meminfo_bytes("MemTotal")
}

/// Swap not in use right now, bytes.
pub fn free_swap_bytes() -> u64 {
    meminfo_bytes("SwapFree")
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
        let c_path = std::ffi::CString::new(probed.as_os_str().as_encoded_bytes()).ok()?;
        // SAFETY: statvfs(3) writes into the zeroed struct we own; the path is NUL-terminated.
        let stat = unsafe {
            let mut stat: libc::statvfs = std::mem::zeroed();
            (libc::statvfs(c_path.as_ptr(), &mut stat) == 0).then_some(stat)
        }?;
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

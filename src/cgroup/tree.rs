//! Walking a cgroup's tree: its directories (children before parents, the
//! order they can be removed in) and the processes listed in them.

use std::path::{Path, PathBuf};

/// Every directory under `dir`, children before parents.
pub fn depth_first(dir: &Path) -> Vec<PathBuf> {
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

/// `dir` and every directory below it, parents first.
pub fn subtree(dir: &Path) -> Vec<PathBuf> {
    let mut dirs = depth_first(dir);
    dirs.reverse();
    dirs
}

/// The pids in `dir`'s `cgroup.procs`.
pub fn pids_in(dir: &Path) -> Vec<u32> {
    std::fs::read_to_string(dir.join("cgroup.procs"))
        .map(|t| t.lines().filter_map(|l| l.trim().parse().ok()).collect())
        .unwrap_or_default()
}

/// Removes every tree in `roots`, deepest first; the last directory that
/// could not be removed (already gone is fine), if any.
pub fn remove_deepest_first(roots: &[PathBuf]) -> Option<(PathBuf, std::io::Error)> {
    let mut last_error = None;
    for root in roots {
        for dir in depth_first(root) {
            if let Err(e) = std::fs::remove_dir(&dir) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    last_error = Some((dir, e));
                }
            }
        }
    }
    last_error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_come_before_their_parents() {
        let root = tempfile::tempdir().expect("tempdir");
        let host = root.path().join("migbench-h1");
        let leaf = host.join("abc").join("inner");
        std::fs::create_dir_all(&leaf).expect("mkdir");
        std::fs::create_dir_all(host.join("engine")).expect("mkdir");
        let order = depth_first(&host);
        let at = |p: &Path| order.iter().position(|d| d == p).expect("listed");
        assert_eq!(order.len(), 4);
        assert!(at(&leaf) < at(&host.join("abc")));
        assert!(at(&host.join("abc")) < at(&host));
        assert!(at(&host.join("engine")) < at(&host));
        assert_eq!(subtree(&host)[0], host, "parents first");
    }

    #[test]
    fn a_tree_of_empty_directories_is_removed_whole() {
        let root = tempfile::tempdir().expect("tempdir");
        let host = root.path().join("migbench-h1");
        std::fs::create_dir_all(host.join("a").join("b")).expect("mkdir");
        std::fs::create_dir_all(host.join("engine")).expect("mkdir");
        assert!(remove_deepest_first(std::slice::from_ref(&host)).is_none());
        assert!(!host.exists());
        assert!(
            remove_deepest_first(&[host]).is_none(),
            "already gone is not an error"
        );
    }

    #[test]
    fn a_directory_that_cannot_go_is_named() {
        let root = tempfile::tempdir().expect("tempdir");
        let host = root.path().join("migbench-h1");
        std::fs::create_dir_all(host.join("busy")).expect("mkdir");
        // A regular file stands for a cgroup the kernel still holds.
        std::fs::write(host.join("busy").join("pinned"), "").expect("write");
        let (dir, _) = remove_deepest_first(std::slice::from_ref(&host)).expect("an error");
        assert!(dir == host.join("busy") || dir == host);
    }

    #[test]
    fn pids_are_read_from_cgroup_procs() {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::write(root.path().join("cgroup.procs"), "12\n345\n\n").expect("write");
        assert_eq!(pids_in(root.path()), vec![12, 345]);
        assert!(pids_in(&root.path().join("none")).is_empty());
    }
}

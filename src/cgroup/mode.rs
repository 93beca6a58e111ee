//! Which cgroup version the machine runs, from its mount table: v1, v2
//! (unified: cgroup2 at the root, with `cgroup.controllers`), or hybrid
//! (v1 controllers beside a cgroup2 tree, e.g. `/sys/fs/cgroup/unified`).
//! Hybrid is driven as v1: the memory controller, which holds the budget,
//! lives in the v1 hierarchy there.

use serde::Serialize;
use std::fmt;
use std::path::Path;

/// The cgroup version in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    V1,
    /// v1 memory controller mounted, and a cgroup2 tree beside it: driven as v1.
    Hybrid,
    V2,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::V1 => "v1",
            Mode::Hybrid => "hybrid",
            Mode::V2 => "v2",
        })
    }
}

/// The mode `mounts` (the text of /proc/self/mounts) describe at `root`;
/// `None` when no memory controller is mounted there. Mounts outside `root`
/// (a CRIU cgroup yard in a container's work directory) do not count.
pub fn detect(mounts: &str, root: &Path) -> Option<Mode> {
    let mut v1_memory = false;
    let mut cgroup2_under_root = false;
    let mut cgroup2_at_root = false;
    for line in mounts.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, point, fstype, options, ..] = fields[..] else {
            continue;
        };
        let point = Path::new(point);
        if !point.starts_with(root) {
            continue;
        }
        match fstype {
            "cgroup" if options.split(',').any(|o| o == "memory") => v1_memory = true,
            "cgroup2" => {
                cgroup2_under_root = true;
                cgroup2_at_root |= point == root;
            }
            _ => {}
        }
    }
    match (v1_memory, cgroup2_under_root) {
        (true, true) => Some(Mode::Hybrid),
        (true, false) => Some(Mode::V1),
        (false, _) if cgroup2_at_root && root.join("cgroup.controllers").is_file() => {
            Some(Mode::V2)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "\
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
none /var/lib/docker/x/.criu.cgyard.Q3/memory cgroup rw,relatime,memory 0 0
";

    #[test]
    fn v1_memory_beside_a_cgroup2_tree_is_hybrid() {
        assert_eq!(
            detect(HYBRID, Path::new("/sys/fs/cgroup")),
            Some(Mode::Hybrid)
        );
        let pure_v1: String = HYBRID.lines().filter(|l| !l.contains("cgroup2")).fold(
            String::new(),
            |mut text, line| {
                text.push_str(line);
                text.push('\n');
                text
            },
        );
        assert_eq!(
            detect(&pure_v1, Path::new("/sys/fs/cgroup")),
            Some(Mode::V1)
        );
    }

    #[test]
    fn mounts_outside_the_root_do_not_count() {
        let only_yard = "none /var/lib/docker/x/.criu.cgyard.Q3/memory cgroup rw,memory 0 0\n\
                         cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n";
        assert_eq!(detect(only_yard, Path::new("/sys/fs/cgroup")), None);
    }

    #[test]
    fn cgroup2_at_the_root_with_controllers_is_v2() {
        let root = tempfile::tempdir().expect("tempdir");
        let mounts = format!(
            "cgroup2 {} cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot 0 0\n",
            root.path().display()
        );
        assert_eq!(
            detect(&mounts, root.path()),
            None,
            "no cgroup.controllers: not a cgroup2 root"
        );
        std::fs::write(
            root.path().join("cgroup.controllers"),
            "cpuset cpu io memory pids\n",
        )
        .expect("write");
        assert_eq!(detect(&mounts, root.path()), Some(Mode::V2));
        assert_eq!(Mode::V2.to_string(), "v2");
        assert_eq!(
            serde_json::to_value(Mode::Hybrid).expect("json"),
            serde_json::json!("hybrid")
        );
    }
}

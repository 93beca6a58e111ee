//! What cgroup operations take: a host's budget, who joins it, what the
//! machine must have; where cgroups live; the cgroup parent engines are given.

/// Where the machine mounts its cgroups.
pub const ROOT: &str = "/sys/fs/cgroup";
/// The machine-wide memory pressure, which the PSI rule reads on v1.
pub const MACHINE_MEMORY_PRESSURE: &str = "/proc/pressure/memory";

/// A host's budget, as the cgroup enforces it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub memory_bytes: u64,
    /// Swap on top of `memory_bytes` (v1 writes memory + swap, v2 swap alone).
    pub swap_bytes: u64,
    /// CPU quota in cores; `None`: no quota.
    pub cpus: Option<f64>,
}

/// Who joins the host's cgroup: on v2 each gets its own leaf, since the
/// host's cgroup itself hands its controllers to the containers' cgroups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    /// The engine and what it starts (containerd, shims, conmon's parent).
    Engine,
    /// The guest-OS reserve (see `host::reserve`).
    Reserve,
}

impl Member {
    pub(super) fn leaf(self) -> &'static str {
        match self {
            Member::Engine => "engine",
            Member::Reserve => "os-reserve",
        }
    }
}

/// One thing emulated hosts need from the cgroup backend, and whether this
/// machine has it (`migbench doctor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    pub fix: String,
}

/// The cgroup parent an engine is given for a host's containers, with the
/// cgroupfs driver both engines use here. The same value serves v1 and v2:
/// dockerd places a container at `<parent>/<id>` (moby's `WithCgroups`:
/// `filepath.Join(parent, c.ID)`), libpod at `<parent>/libpod-<id>` and
/// conmon at `<parent>/conmon`, in every v1 hierarchy or in the one v2 tree.
/// (With the systemd driver it would be a `.slice` name instead.)
pub fn container_parent(cgroup: &str) -> String {
    format!("/{cgroup}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_container_parent_is_an_absolute_cgroupfs_path() {
        assert_eq!(container_parent("migbench-h1"), "/migbench-h1");
    }
}

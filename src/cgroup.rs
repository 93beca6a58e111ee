//! cgroup backends: which cgroup version this machine runs (detected once)
//! and every cgroup operation an emulated host needs, for both versions:
//! create with a budget, join, list the processes of the tree, kill them
//! all, remove the tree deepest first, and read usage, swap, `memory.stat`,
//! events and pressure.
//!
//! - **v1** (and **hybrid**, where the v1 memory controller is mounted beside
//!   a cgroup2 tree): one directory per hierarchy, `memory.limit_in_bytes`,
//!   `memory.memsw.limit_in_bytes` (memory + swap), `cpu.cfs_quota_us`.
//! - **v2** (unified): one tree, `memory.max`, `memory.swap.max` (swap only),
//!   `cpu.max`, `cgroup.kill`, and the host's own `memory.pressure`. A v2
//!   cgroup that distributes controllers to children may hold no process
//!   itself, so the host's processes live in leaves (`engine`, `os-reserve`)
//!   beside the containers' cgroups.
//!
//! Files are read and written directly (a handful of small files, one module
//! per version): every path derives from the backend's root, so the v2 path
//! is tested against a fake tree in a temporary directory on a v1 machine.

mod mode;
mod psi;
mod reading;
mod tree;
mod v1;
mod v2;

#[cfg(test)]
mod v2_tests;

pub use mode::Mode;
pub use psi::Psi;
pub use reading::{CgroupReading, Footprint};

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

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
    fn leaf(self) -> &'static str {
        match self {
            Member::Engine => "engine",
            Member::Reserve => "os-reserve",
        }
    }
}

/// Errors of cgroup operations, each naming what is missing or which file.
#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    /// A controller, a mount or an interface file the budget needs is absent;
    /// the text names it and what to do.
    #[error("{0}")]
    Missing(String),
    #[error("{what} '{path}': {source}")]
    Io {
        what: String,
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io_error(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> CgroupError {
    let what = what.to_string();
    let path = path.to_path_buf();
    move |source| CgroupError::Io { what, path, source }
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

/// One mode at one root: every cgroup operation goes through here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    mode: Mode,
    root: PathBuf,
}

static SYSTEM: OnceLock<Option<Backend>> = OnceLock::new();

/// The machine's backend, detected once from /proc/self/mounts.
pub fn system() -> Result<&'static Backend, CgroupError> {
    SYSTEM
        .get_or_init(|| {
            let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
            Backend::detect(&mounts, Path::new(ROOT))
        })
        .as_ref()
        .ok_or_else(|| {
            CgroupError::Missing(format!(
                "no cgroup memory controller: neither a cgroup v1 memory hierarchy under {ROOT} \
                 nor cgroup2 mounted at {ROOT} (see /proc/self/mounts)"
            ))
        })
}

impl Backend {
    /// A backend of `mode` rooted at `root` (tests: a temporary directory).
    pub fn new(mode: Mode, root: impl Into<PathBuf>) -> Backend {
        Backend {
            mode,
            root: root.into(),
        }
    }

    /// The backend `mounts` (the text of /proc/self/mounts) describe at
    /// `root`; `None` without a usable memory controller.
    pub fn detect(mounts: &str, root: &Path) -> Option<Backend> {
        mode::detect(mounts, root).map(|mode| Backend::new(mode, root))
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates cgroup `name` with `budget` (and, on v2, its leaves).
    pub fn create(&self, name: &str, budget: &Budget) -> Result<(), CgroupError> {
        match self.mode {
            Mode::V1 | Mode::Hybrid => v1::create(&self.root, name, budget),
            Mode::V2 => v2::create(&self.root, name, budget),
        }
    }

    /// The `cgroup.procs` files a process writes its pid to, to join.
    pub fn join_files(&self, name: &str, member: Member) -> Vec<PathBuf> {
        match self.mode {
            Mode::V1 | Mode::Hybrid => v1::join_files(&self.root, name),
            Mode::V2 => vec![v2::leaf(&self.root, name, member).join("cgroup.procs")],
        }
    }

    /// A shell prefix that moves the shell itself into the cgroup (`exec`
    /// follows it, so what the shell becomes is charged to the budget).
    pub fn join_script(&self, name: &str, member: Member) -> String {
        self.join_files(name, member)
            .iter()
            .map(|file| format!("echo $$ > '{}' && ", file.display()))
            .collect()
    }

    /// The cgroup's directory in every hierarchy where it exists.
    fn instances(&self, name: &str) -> Vec<PathBuf> {
        match self.mode {
            Mode::V1 | Mode::Hybrid => v1::instances(&self.root, name),
            Mode::V2 => Some(self.root.join(name))
                .filter(|dir| dir.is_dir())
                .into_iter()
                .collect(),
        }
    }

    /// Every process in the cgroup's tree (a pid may appear once per hierarchy).
    pub fn procs(&self, name: &str) -> Vec<u32> {
        self.instances(name)
            .iter()
            .flat_map(|dir| tree::depth_first(dir))
            .flat_map(|dir| tree::pids_in(&dir))
            .collect()
    }

    /// One round of killing: v2's `cgroup.kill` where the kernel has it (it
    /// ends exactly the cgroup's members), then SIGKILL to each listed pid
    /// that, pinned, still lives in the cgroup. Returns how many pids were listed.
    pub fn kill_round(&self, name: &str) -> usize {
        if self.mode == Mode::V2 {
            let kill = self.root.join(name).join("cgroup.kill");
            if kill.is_file() {
                // Nothing more to do on failure: the per-pid pass follows.
                let _ = std::fs::write(&kill, "1");
            }
        }
        let pids = self.procs(name);
        for &pid in &pids {
            // Listed a moment ago; signalled only if still a member once pinned.
            crate::process::signal_if(pid, libc::SIGKILL, |pid| {
                crate::process::in_cgroup(pid, name)
            });
        }
        pids.len()
    }

    /// Kills every process in the cgroup's tree until none is left (shims
    /// and containers outlive an OOM-killed engine).
    pub async fn kill_all(&self, name: &str) {
        for _ in 0..100 {
            if self.kill_round(name) == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Removes the cgroup's tree in every hierarchy, deepest first; retries
    /// for a while, since exiting processes keep a cgroup busy for a moment.
    pub async fn remove(&self, name: &str) -> Result<(), CgroupError> {
        let mut last_error = None;
        for _ in 0..50 {
            last_error = tree::remove_deepest_first(&self.instances(name));
            if last_error.is_none() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        match last_error {
            Some((dir, e)) => Err(io_error("cannot remove cgroup", &dir)(e)),
            None => Ok(()),
        }
    }

    /// What the cgroup says now; missing files read as `None`.
    pub fn read(&self, name: &str) -> CgroupReading {
        match self.mode {
            Mode::V1 | Mode::Hybrid => v1::read(&self.root, name),
            Mode::V2 => v2::read(&self.root, name),
        }
    }

    /// The file the PSI collapse rule reads for a host in cgroup `name`: the
    /// host's own `memory.pressure` on v2, the machine's on v1 (v1 has no
    /// per-cgroup pressure).
    pub fn memory_pressure_source(&self, name: &str) -> PathBuf {
        match self.mode {
            Mode::V1 | Mode::Hybrid => PathBuf::from(MACHINE_MEMORY_PRESSURE),
            Mode::V2 => self.root.join(name).join("memory.pressure"),
        }
    }

    /// What emulated hosts need from this backend, checked on this machine.
    pub fn requirements(&self) -> Vec<Requirement> {
        match self.mode {
            Mode::V1 | Mode::Hybrid => v1::requirements(&self.root),
            Mode::V2 => v2::requirements(&self.root),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_container_parent_is_an_absolute_cgroupfs_path() {
        assert_eq!(container_parent("migbench-h1"), "/migbench-h1");
    }

    #[test]
    fn v1_joins_every_budget_hierarchy_and_v2_one_leaf_per_member() {
        let v1 = Backend::new(Mode::V1, "/cg");
        assert_eq!(
            v1.join_script("migbench-h1", Member::Engine),
            "echo $$ > '/cg/memory/migbench-h1/cgroup.procs' && \
             echo $$ > '/cg/cpu/migbench-h1/cgroup.procs' && \
             echo $$ > '/cg/cpuacct/migbench-h1/cgroup.procs' && "
        );
        let v2 = Backend::new(Mode::V2, "/cg");
        assert_eq!(
            v2.join_script("migbench-h1", Member::Engine),
            "echo $$ > '/cg/migbench-h1/engine/cgroup.procs' && "
        );
        assert_eq!(
            v2.join_files("migbench-h1", Member::Reserve),
            vec![PathBuf::from("/cg/migbench-h1/os-reserve/cgroup.procs")]
        );
    }

    #[test]
    fn the_pressure_rule_reads_the_hosts_own_pressure_on_v2_only() {
        let v1 = Backend::new(Mode::Hybrid, "/cg");
        assert_eq!(
            v1.memory_pressure_source("migbench-h1"),
            PathBuf::from("/proc/pressure/memory")
        );
        let v2 = Backend::new(Mode::V2, "/cg");
        assert_eq!(
            v2.memory_pressure_source("migbench-h1"),
            PathBuf::from("/cg/migbench-h1/memory.pressure")
        );
    }
}

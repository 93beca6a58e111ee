//! The machine's cgroup backend, detected once, and every cgroup operation
//! an emulated host needs, dispatched to its version (`v1.rs`, `v2.rs`).

use super::cgroup_budget::{Budget, Member, Requirement, MACHINE_MEMORY_PRESSURE, ROOT};
use super::cgroup_error::{io_error, CgroupError};
use super::cgroup_reading::CgroupReading;
use super::mode::{self, Mode};
use super::{tree, v1, v2};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

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

impl CgroupReading {
    /// Reads cgroup `name` through the machine's backend (nothing without one).
    pub fn read(name: &str) -> CgroupReading {
        system()
            .map(|backend| backend.read(name))
            .unwrap_or_default()
    }
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
    pub fn dirs(&self, name: &str) -> Vec<PathBuf> {
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
        self.dirs(name)
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
            last_error = tree::remove_deepest_first(&self.dirs(name));
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

    /// The budget cgroup `name` enforces, read back from its files.
    pub fn budget(&self, name: &str) -> Option<Budget> {
        match self.mode {
            Mode::V1 | Mode::Hybrid => v1::budget(&self.root, name),
            Mode::V2 => v2::budget(&self.root, name),
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

#[cfg(test)]
mod tests {
    use super::*;

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

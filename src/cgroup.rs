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

mod backend;
mod cgroup_budget;
mod cgroup_error;
mod cgroup_reading;
mod mode;
mod psi;
mod tree;
mod v1;
mod v2;

#[cfg(test)]
mod v2_tests;

pub use backend::{system, Backend};
pub use cgroup_budget::{
    container_parent, Budget, Member, Requirement, MACHINE_MEMORY_PRESSURE, ROOT,
};
pub use cgroup_error::CgroupError;
pub use cgroup_reading::{CgroupReading, Footprint};
pub use mode::Mode;
pub use psi::Psi;

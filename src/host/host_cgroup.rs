//! The host's cgroup, through the machine's cgroup backend (v1, hybrid or v2,
//! see `crate::cgroup`): created with the host's budget; on teardown,
//! emptied and removed in every hierarchy, since the host's engine creates
//! container cgroups under it.

use super::{HostError, HostSpec};
use crate::cgroup::{self, Budget, CgroupError, Member};

impl From<CgroupError> for HostError {
    fn from(e: CgroupError) -> HostError {
        match e {
            CgroupError::Missing(what) => HostError::NoController(what),
            CgroupError::Io { what, path, source } => HostError::Io { what, path, source },
        }
    }
}

/// Creates the cgroup with the budget of `spec`.
pub fn create(name: &str, spec: &HostSpec) -> Result<(), HostError> {
    let budget = Budget {
        memory_bytes: spec.memory_bytes,
        swap_bytes: spec.swap_bytes,
        cpus: spec.cpus,
    };
    Ok(cgroup::system()?.create(name, &budget)?)
}

/// The shell prefix that moves a `member` of the host into its cgroup.
pub fn join_script(name: &str, member: Member) -> Result<String, HostError> {
    Ok(cgroup::system()?.join_script(name, member))
}

/// Kills every process in the cgroup's tree until none is left.
pub async fn kill_all(name: &str) {
    if let Ok(backend) = cgroup::system() {
        backend.kill_all(name).await;
    }
}

/// Removes the cgroup's tree in every hierarchy, deepest first.
pub async fn remove(name: &str) -> Result<(), HostError> {
    match cgroup::system() {
        Ok(backend) => Ok(backend.remove(name).await?),
        // No cgroup filesystem: nothing of the host can be there.
        Err(_) => Ok(()),
    }
}

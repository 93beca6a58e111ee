//! The options of an engine connection: the cgroup its containers belong
//! under (an emulated host's budget), the SSH access to its machine, and how
//! checkpoints reach its store.

use crate::ssh::Access;

/// How a restore on an engine gets its checkpoint into the engine's store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CheckpointRoute {
    /// From files this machine can read: the engine reads them itself, or
    /// the harness places them where the engine looks.
    #[default]
    Local,
    /// Streamed over SSH straight into the store on the engine's machine,
    /// as the first step of each restore (`transfer.mode = "ssh"`).
    Ssh(Access),
}

/// What an engine is told when it is connected, besides its kind and
/// endpoint: where its containers go, how its machine is reached over SSH,
/// and how checkpoints reach its store.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// The cgroup every container of the engine belongs under (an emulated
    /// host's budget): a Docker host's daemon puts them there itself, a
    /// Podman service is told so with every create and restore.
    pub cgroup: Option<String>,
    /// For an `ssh://` endpoint: how to reach its machine; `None`: the
    /// user's way (ssh config, agent, known hosts).
    pub ssh: Option<Access>,
    pub route: CheckpointRoute,
    /// A checkpoint upload over TCP that moves no byte for this long fails
    /// (`transfer.stall_s`); `None`: it waits as long as the operation may.
    pub upload_stall: Option<std::time::Duration>,
    /// How its restores get the memory back (runc only runs lazy ones).
    pub strategy: super::Strategy,
}

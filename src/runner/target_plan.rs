//! One target of a run as setup made it ready: its engine, how its rows
//! name it, and how checkpoints reach it.

use crate::engine::Engine;
use std::path::PathBuf;
use std::sync::Arc;

/// One target of the run, ready: its engine and how checkpoints reach it.
#[derive(Clone)]
pub struct TargetPlan {
    /// Its name in the scenario (`[[targets]]` name, "target" for `[target]`).
    pub name: String,
    pub engine: Arc<dyn Engine>,
    /// Its host as the rows name it (`emulated:<host>` or its endpoint).
    pub host: String,
    /// Where `copy` transfers put checkpoints on its side, if any.
    pub staging_root: Option<PathBuf>,
    /// The emulated target's own link and its name, when it has one: a
    /// failed transfer says whether it is up.
    pub link: Option<(crate::host::network::HostNetwork, String)>,
    /// The checkpoint crosses to it inside its restore (the engine takes it
    /// as the request's body): no transfer phase, and each restore records
    /// its transfer row (see `transfer_in_restore`).
    pub transfer_in_restore: bool,
}

impl TargetPlan {
    /// "; the link to host 'h' (mbv3, 20 Mbit/s) is down", or nothing
    /// when the target has no link of its own.
    pub fn link_state(&self) -> String {
        self.link
            .as_ref()
            .map(|(net, host)| format!("; {}", crate::host::network::describe_link(net, host)))
            .unwrap_or_default()
    }

    /// Whether its checkpoints cross in a step of their own (a staged copy)
    /// or inside the restore: either way, a transfer row.
    pub fn has_transfer(&self) -> bool {
        self.staging_root.is_some() || self.transfer_in_restore
    }
}

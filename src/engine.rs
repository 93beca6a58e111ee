//! The container engine seam: what the runner needs from an engine, as a
//! small trait (`contract.rs`), and the one place that turns a kind and an
//! endpoint into an engine (`connect.rs`, which also reaches one over SSH).
//! Each engine says what it can do (`capabilities.rs`): how checkpoints
//! reach it and which restore strategies it runs. Docker (bollard) is in
//! `docker.rs`, Podman (the libpod REST API) in `podman.rs`, runc driven
//! directly (no daemon, lazy restores) in `runc.rs`, CRIU's own timings in
//! `criu_stats.rs` and its logs in `criu_log.rs`, the workload image (built
//! locally, no registry) in `image.rs`. Outside this module an engine is an
//! `Arc<dyn Engine>` and a kind, with two exceptions by design: hosts start
//! the daemon of a kind (`host/`), and cgroup readings count containers by
//! how the engines name their cgroups (`cgroup/cgroup_reading.rs`), without
//! asking an engine that may be the one collapsing.

mod capabilities;
mod connect;
mod containerd_copies;
mod contract;
mod criu_log;
pub mod criu_stats;
mod docker;
mod endpoint;
#[cfg(test)]
pub mod fake;
#[cfg(test)]
mod fake_script;
mod fsutil;
pub mod image;
mod kind;
mod options;
mod podman;
mod procs;
mod readiness;
mod runc;

pub use capabilities::{Capabilities, Intake, Strategy};
pub use connect::{connect, open};
pub use containerd_copies::survey as litter_survey;
pub use contract::{
    Checkpointed, ContainerSpec, Engine, EngineError, EngineInfo, LabelledContainer, Restored,
    Transferred, RUN_LABEL,
};
pub use criu_stats::CriuStats;
pub use fsutil::{copy_dir, dir_bytes};
pub use kind::{EngineKind, KindError};
pub use options::{CheckpointRoute, ConnectOptions};
pub use readiness::{Check, Role};
pub use runc::post_copy_probe;

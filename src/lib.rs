//! migbench: a scale and stress benchmark harness for container live migration.
//!
//! Data flows one way: scenario -> runner (drives engines) -> records and
//! samples -> collapse detector -> summary -> report. The modules sit in
//! layers, each using only those below it (`tests/architecture.rs` checks
//! this from the source, and that no two files depend on each other):
//!
//! | layer | modules |
//! |---|---|
//! | leaves | `quote`, `process`, `machine`, `work_cpu` |
//! | system | `cgroup`, `ssh` |
//! | engines | `engine` |
//! | input | `scenario` |
//! | rows and hosts | `record`, `host` |
//! | judgement | `collapse`, `preflight` |
//! | what flows | `event`, `summary` |
//! | measuring and telling | `sampler`, `report` |
//! | driving | `runner` |
//! | commands | `doctor`, `cli`, `app` |

pub mod app;
pub mod cgroup;
pub mod cli;
pub mod collapse;
pub mod doctor;
pub mod engine;
pub mod event;
pub mod host;
pub mod machine;
pub mod preflight;
pub mod process;
pub mod quote;
pub mod record;
pub mod report;
pub mod runner;
pub mod sampler;
pub mod scenario;
pub mod ssh;
pub mod summary;
pub mod work_cpu;

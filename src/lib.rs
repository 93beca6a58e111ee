//! migbench: a scale and stress benchmark harness for container live migration.
//!
//! Data flows one way: scenario -> runner (drives engines) -> records and
//! samples -> collapse detector -> report.

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

//! The run summed up: per-phase latency percentiles (HdrHistogram), the
//! verification counts, each migration's downtime and its decomposition,
//! the transfer, CRIU's share, the thresholds and the run's verdict, written
//! to `summary.json`. It sits above collapse detection: it takes the
//! detector's verdict, hard failure and projection as given, and is built
//! from the records alone, so `migbench report` rebuilds the same from the
//! CSVs of any run, even one cut short.

pub mod criu_split;
mod ending;
mod fleet_summary;
mod harness_cost;
mod host_budget;
mod lazy_restore;
pub mod migration;
mod peaks;
pub mod percentiles;
mod prepared_ahead;
mod run_summary;
mod stale_metrics;
mod summary_json;
pub mod thresholds;
pub mod transfer;

pub use criu_split::{criu_splits, CriuSplit};
pub use ending::{Ending, RunVerdict};
pub use fleet_summary::{judge, FleetSummary, HostsNeeded, Judgement, TargetJudged, TargetSummary};
pub use harness_cost::HarnessCost;
pub use host_budget::HostBudget;
pub use lazy_restore::LazyRestores;
pub use peaks::Peaks;
pub use percentiles::Percentiles;
pub use prepared_ahead::line as prepared_ahead_line;
pub use run_summary::{PhaseSummary, Summary, SummaryInput, Verification, DIED_AFTER_CONTINUING};
pub use summary_json::{read, write};
pub use thresholds::ThresholdCheck;

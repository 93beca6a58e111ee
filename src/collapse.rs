//! Collapse detection: rules over the restore records and the resource
//! samples that say when the target host stops coping, and the projection of
//! where its budget runs out.
//!
//! The detector is a pure, incremental function of the event series: the run
//! feeds it live (and stops on its first firing under the `stop` policy), and
//! `migbench report` replays the CSVs through the very same code. It also
//! watches for the hard failure (`hard`), where the target fails outright,
//! which `guard.policy = "observe"` runs on to.

mod fleet_detector;
mod hard;
mod projection;
mod rules;
mod verdict;

pub use fleet_detector::{first_of, is_row_of, FleetDetector, TargetFound, WatchedTarget};
pub use hard::{is_memory_error, FailureCause, FailureWatch, HardFailure};
pub use projection::{project, reached, Budget, Fit, Projection, Reached};
pub use rules::{Detector, TargetBudget};
pub use verdict::{Firing, Rule, Verdict};

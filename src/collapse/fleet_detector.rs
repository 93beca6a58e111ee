//! One detector per target of a fleet: each target's rows (ops.csv's and
//! samples.csv's `target` column) feed its own detector, so each target has
//! its own collapse point, hard failure and projection. A run onto
//! `[target]` is a fleet of one; its rows of older runs carry no target name
//! and are that one target's.

use super::rules::{Detector, TargetBudget};
use super::{Firing, HardFailure, Verdict};
use crate::record::{OpRecord, SampleRow};
use crate::scenario::{CollapseRules, FleetTarget, Scenario, TargetSpec};

/// A target's name and its budget (an emulated host's), when it has one.
pub struct WatchedTarget {
    pub name: String,
    pub budget: Option<TargetBudget>,
}

/// The detectors of every target, in the scenario's order.
pub struct FleetDetector {
    names: Vec<String>,
    budgets: Vec<Option<TargetBudget>>,
    detectors: Vec<Detector>,
}

impl WatchedTarget {
    /// A scenario's target, with its budget when it is emulated.
    pub fn of(target: &FleetTarget) -> WatchedTarget {
        WatchedTarget {
            name: target.name.clone(),
            budget: match &target.spec {
                TargetSpec::Emulated(b) => Some(TargetBudget {
                    memory_bytes: b.memory.as_u64(),
                    swap_bytes: b.swap.as_u64(),
                }),
                TargetSpec::Endpoint(_) => None,
            },
        }
    }
}

impl FleetDetector {
    /// The detectors of a scenario's targets, under its rules and floor.
    pub fn of(scenario: &Scenario) -> Self {
        let targets = scenario.targets.iter().map(WatchedTarget::of).collect();
        Self::new(
            &scenario.collapse,
            targets,
            scenario.host_min_available_mib << 20,
        )
    }

    pub fn new(rules: &CollapseRules, targets: Vec<WatchedTarget>, host_floor_bytes: u64) -> Self {
        // On a machine without per-cgroup pressure (cgroup v1), several
        // emulated targets share its PSI: it is held against a target only
        // while that target swaps (see `Detector::sharing_the_machine`).
        let shared = targets.len() > 1;
        let budgets = targets.iter().map(|t| t.budget).collect();
        let (names, detectors) = targets
            .into_iter()
            .map(|t| {
                let detector = Detector::new(rules.clone(), t.budget, host_floor_bytes);
                let detector = if shared {
                    detector.sharing_the_machine()
                } else {
                    detector
                };
                (t.name, detector)
            })
            .unzip();
        FleetDetector {
            names,
            budgets,
            detectors,
        }
    }

    /// How many targets it watches.
    pub fn target_count(&self) -> usize {
        self.detectors.len()
    }

    pub fn name(&self, target: usize) -> &str {
        self.names.get(target).map_or("", String::as_str)
    }

    /// The index of the target a row names; a row naming none is the
    /// target's in a fleet of one (runs recorded before fleets), no one's
    /// in a fleet (a launch, a checkpoint, a migration never placed).
    pub fn index_of(&self, name: &str) -> Option<usize> {
        let fleet_size = self.names.len();
        self.names
            .iter()
            .position(|n| is_row_of(name, n, fleet_size))
    }

    pub fn detector(&self, target: usize) -> Option<&Detector> {
        self.detectors.get(target)
    }

    /// The budget target `target` was given, when it is emulated.
    pub fn budget(&self, target: usize) -> Option<TargetBudget> {
        self.budgets.get(target).copied().flatten()
    }

    /// Feeds a finished operation to its target's detector; returns what
    /// fired, with the target's index.
    pub fn on_op(&mut self, op: &OpRecord) -> Vec<(usize, Firing)> {
        let Some(target) = self.index_of(&op.target) else {
            return Vec::new();
        };
        tagged(target, self.detectors[target].on_op(op))
    }

    /// Feeds a sampler row to its target's detector.
    pub fn on_sample(&mut self, sample: &SampleRow) -> Vec<(usize, Firing)> {
        let Some(target) = self.index_of(&sample.target) else {
            return Vec::new();
        };
        tagged(target, self.detectors[target].on_sample(sample))
    }

    /// What each target's detector found.
    pub fn into_parts(self) -> Vec<TargetFound> {
        self.names
            .into_iter()
            .zip(self.budgets)
            .zip(self.detectors)
            .map(|((name, budget), detector)| {
                let (verdict, hard_failure) = detector.into_parts();
                TargetFound {
                    name,
                    budget,
                    verdict,
                    hard_failure,
                }
            })
            .collect()
    }
}

/// Whether a row naming `row_target` is target `name`'s, in a fleet of
/// `fleet_size`: a row naming no target is the one target's in a fleet of
/// one (runs recorded before fleets), no one's in a fleet.
pub fn is_row_of(row_target: &str, name: &str, fleet_size: usize) -> bool {
    row_target == name || (fleet_size == 1 && row_target.is_empty())
}

/// What one target's detector found.
pub struct TargetFound {
    pub name: String,
    pub budget: Option<TargetBudget>,
    pub verdict: Verdict,
    pub hard_failure: Option<HardFailure>,
}

fn tagged(target: usize, fired: Vec<Firing>) -> Vec<(usize, Firing)> {
    fired.into_iter().map(|f| (target, f)).collect()
}

/// The fleet's verdict as one: every target's firings in time order, the
/// first of them its collapse point (a fleet of one's verdict as it is: in
/// the order its detector saw them).
pub fn first_of(verdicts: &[&Verdict]) -> Verdict {
    if let [one] = verdicts {
        return (*one).clone();
    }
    let mut firings: Vec<Firing> = verdicts
        .iter()
        .flat_map(|v| v.firings.iter().cloned())
        .collect();
    firings.sort_by(|a, b| a.t_ms.total_cmp(&b.t_ms));
    let mut verdict = Verdict::default();
    for firing in firings {
        verdict.push(firing);
    }
    verdict
}

#[cfg(test)]
#[path = "fleet_detector_tests.rs"]
mod tests;

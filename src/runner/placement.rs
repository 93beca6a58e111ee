//! Placement: which target of a fleet takes the next container, chosen when
//! its restore begins. A target the guard closed (it collapsed) takes
//! nothing more; the others are ranked by the scenario's policy from what the
//! recorder last learned of each (its footprint, its projection) and what
//! was sent its way since.

use crate::collapse::TargetBudget;
use crate::event::{FleetView, TargetView};
use crate::scenario::PlacementPolicy;
use std::sync::Mutex;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// What a container is assumed to add to its target before the target's
/// own projection says: its workload's memory and this much more (the
/// workload process, runtime and kernel state; ~2 MiB measured per tiny
/// container on runc).
const CONTAINER_OVERHEAD_BYTES: u64 = 2 << 20;

/// One target as placement sees it.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Closed by the guard: it takes nothing more.
    pub closed: bool,
    /// Its RAM and swap budget, bytes (an emulated host's), if known.
    pub budget: Option<TargetBudget>,
    pub view: TargetView,
    /// Containers sent its way so far (restored or on their way).
    pub placed: u64,
}

impl Candidate {
    /// Bytes each container adds: its projection's line, else the estimate.
    fn per_container_bytes(&self, estimate_bytes: u64) -> f64 {
        self.view
            .projection
            .and_then(|p| p.footprint)
            .map(|f| f.bytes_per_container)
            .filter(|b| *b > 0.0)
            .unwrap_or(estimate_bytes as f64)
    }

    /// `level_bytes` minus its footprint at its latest sample, minus what
    /// was sent its way since that sample.
    fn left_under(&self, level_bytes: u64, estimate_bytes: u64) -> f64 {
        let footprint = self.view.footprint_bytes.unwrap_or(0) as f64;
        let on_the_way = self.placed.saturating_sub(self.view.restored_at_sample) as f64;
        level_bytes as f64 - footprint - on_the_way * self.per_container_bytes(estimate_bytes)
    }

    /// Memory it has left: RAM + swap budget minus its footprint (and what
    /// is on its way).
    fn free_bytes(&self, estimate_bytes: u64) -> Option<f64> {
        let budget = self.budget?;
        let total = budget.memory_bytes.saturating_add(budget.swap_bytes);
        Some(self.left_under(total, estimate_bytes))
    }

    /// Containers it takes before its thrashing onset: its projection's
    /// count, else (before its fit) what is left of its RAM, in containers.
    fn headroom(&self, estimate_bytes: u64) -> Option<f64> {
        match self.view.projection.and_then(|p| p.thrashing_onset) {
            Some(onset) => Some(onset as f64 - self.placed as f64),
            None => {
                let ram = self.budget?.memory_bytes;
                let per = self.per_container_bytes(estimate_bytes);
                Some(self.left_under(ram, estimate_bytes) / per)
            }
        }
    }
}

/// The target `policy` picks among `candidates` (open ones first; all of
/// them when every one is closed, so a migration in flight still lands),
/// `turn` being the round-robin's position. Ties go to the earliest target.
pub fn choose(
    policy: PlacementPolicy,
    candidates: &[Candidate],
    turn: usize,
    estimate_bytes: u64,
) -> usize {
    let open: Vec<usize> = (0..candidates.len())
        .filter(|&i| !candidates[i].closed)
        .collect();
    let pool: Vec<usize> = if open.is_empty() {
        (0..candidates.len()).collect()
    } else {
        open
    };
    let round_robin = || pool[turn % pool.len().max(1)];
    let score = |i: usize| match policy {
        PlacementPolicy::RoundRobin => None,
        PlacementPolicy::MostFree => candidates[i].free_bytes(estimate_bytes),
        PlacementPolicy::Projection => candidates[i].headroom(estimate_bytes),
    };
    let best = pool.iter().filter_map(|&i| Some((i, score(i)?))).fold(
        None,
        |best: Option<(usize, f64)>, (i, s)| match best {
            Some((_, b)) if b >= s => best,
            _ => Some((i, s)),
        },
    );
    best.map_or_else(round_robin, |(i, _)| i)
}

/// Places the containers of a run onto its fleet.
pub struct Placer {
    policy: PlacementPolicy,
    /// Cancelled by the recorder when the guard closes a target.
    closed: Vec<CancellationToken>,
    budgets: Vec<Option<TargetBudget>>,
    view: watch::Receiver<FleetView>,
    estimate_bytes: u64,
    state: Mutex<PlacerState>,
}

#[derive(Default)]
struct PlacerState {
    turn: usize,
    placed: Vec<u64>,
}

impl Placer {
    /// `budgets`: each target's, if known; `workload_mib`: what each
    /// container holds.
    pub fn new(
        policy: PlacementPolicy,
        closed: Vec<CancellationToken>,
        budgets: Vec<Option<TargetBudget>>,
        view: watch::Receiver<FleetView>,
        workload_mib: u64,
    ) -> Placer {
        let targets = closed.len();
        Placer {
            policy,
            closed,
            budgets,
            view,
            estimate_bytes: (workload_mib << 20) + CONTAINER_OVERHEAD_BYTES,
            state: Mutex::new(PlacerState {
                turn: 0,
                placed: vec![0; targets],
            }),
        }
    }

    /// The target the next container goes to, counted as sent its way.
    pub fn place(&self) -> usize {
        let view = self.view.borrow().clone();
        // A poisoned lock only means another placement panicked mid-way: its
        // counts are still whole numbers.
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let candidates: Vec<Candidate> = (0..self.closed.len())
            .map(|i| Candidate {
                closed: self.closed[i].is_cancelled(),
                budget: self.budgets.get(i).copied().flatten(),
                view: view.get(i).cloned().unwrap_or_default(),
                placed: state.placed.get(i).copied().unwrap_or(0),
            })
            .collect();
        let chosen = choose(self.policy, &candidates, state.turn, self.estimate_bytes);
        state.turn += 1;
        if let Some(placed) = state.placed.get_mut(chosen) {
            *placed += 1;
        }
        chosen
    }
}

#[cfg(test)]
#[path = "placement_tests.rs"]
mod tests;

//! How a run ended, and why in words when it ended before its batch did:
//! a signal, the guard (one target, or every target of a fleet closed), the
//! harness's own floor, a hard failure, or --fail-fast.

use crate::collapse::Rule;
use crate::summary::{self, Ending};

/// How the phases ended: by a signal, by the guard (or --fail-fast), or
/// with the batch; and how many containers were restored by then.
#[derive(Debug, Clone, Copy)]
pub struct Stopped {
    pub interrupted: bool,
    pub by_guard: bool,
    pub migrated: usize,
}

/// How the run ended, and why in words when it ended before its batch did.
pub fn why_ended(
    stopped: Stopped,
    policy: crate::scenario::GuardPolicy,
    judged: &summary::Judgement,
) -> (Ending, Option<String>) {
    let verdict = &judged.collapse;
    let observe = policy == crate::scenario::GuardPolicy::Observe;
    if stopped.interrupted {
        return (
            Ending::Interrupted,
            Some("interrupted by a signal".to_string()),
        );
    }
    if !stopped.by_guard {
        return (Ending::Finished, None);
    }
    // The rule that stopped the run: the first firing under `stop`; under
    // `observe` only the harness's own floor or a dead engine stop it.
    let stopping = verdict.firings.iter().find(|f| {
        if observe {
            matches!(f.rule, Rule::HostFloor | Rule::EngineDown)
        } else {
            true
        }
    });
    if judged.targets.len() > 1 {
        if let Some(why) = fleet_closed(judged, observe) {
            return (Ending::Collapse, Some(why));
        }
    }
    match (judged.hard_failure.as_ref(), stopping) {
        (Some(hard), firing) if observe || firing.is_none() || verdict.point.is_none() => (
            Ending::HardFailure,
            Some(format!("the target failed outright: {}", hard.describe())),
        ),
        (_, None) => (
            Ending::FailFast,
            Some("--fail-fast: stopped at the first failed operation".to_string()),
        ),
        (_, Some(f)) => {
            let ending = if matches!(f.rule, Rule::SamplerLag | Rule::HostFloor) {
                Ending::HarnessStopped
            } else {
                Ending::Collapse
            };
            let why = if observe {
                format!(
                    "at restore {}: {} ({})",
                    f.at_restore,
                    f.rule.as_str(),
                    f.detail
                )
            } else {
                verdict.describe(stopped.migrated)
            };
            (ending, Some(format!("the guard stopped the run: {why}")))
        }
    }
}

/// Why a fleet stopped when each of its targets was closed (none by the
/// harness's own floor): "every target was closed: 'a' at restore 55
/// (swap budget nearly used), ...".
fn fleet_closed(judged: &summary::Judgement, observe: bool) -> Option<String> {
    let harness = judged.collapse.firings.iter().any(|f| {
        matches!(f.rule, Rule::HostFloor | Rule::SamplerLag)
            && !(observe && f.rule == Rule::SamplerLag)
    });
    if harness {
        return None;
    }
    let closed: Option<Vec<String>> = judged
        .targets
        .iter()
        .map(|t| {
            let firing = t
                .collapse
                .firings
                .iter()
                .find(|f| !observe || f.rule == Rule::EngineDown);
            match (firing, &t.hard_failure) {
                (Some(f), _) => Some(format!(
                    "'{}' at restore {} ({})",
                    t.name,
                    f.at_restore,
                    f.rule.as_str()
                )),
                (None, Some(hard)) => Some(format!(
                    "'{}' failed outright at restore {}",
                    t.name, hard.at_restore
                )),
                (None, None) => None,
            }
        })
        .collect();
    closed.map(|closed| {
        format!(
            "the guard stopped the run: every target was closed: {}",
            closed.join(", ")
        )
    })
}

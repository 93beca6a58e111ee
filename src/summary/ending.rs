//! How a run ended, and the verdict that follows: every way a run can stop
//! has its own verdict, the same live and from `migbench report`, each with
//! its exit code (README "Exit codes"). Only a run that judged its target
//! (finished, found the collapse, found the hard failure) is a success.

use super::thresholds::ThresholdCheck;
use serde::{Deserialize, Serialize};

/// How the run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// The batch went through to its end (under `observe`, past any collapse).
    #[default]
    Finished,
    /// The guard stopped the run at the target's collapse.
    Collapse,
    /// The target failed outright (an `observe` run goes on to it).
    HardFailure,
    /// `--fail-fast` stopped the run at the first failed operation.
    FailFast,
    /// SIGINT or SIGTERM stopped the run.
    Interrupted,
    /// The harness's own machine stopped the run (sampler lag, its memory
    /// floor): the target was not judged.
    HarnessStopped,
    /// The run wrote no summary itself: killed, crashed or power lost.
    Incomplete,
}

impl Ending {
    /// The ending of a summary written before endings were recorded, from
    /// the words its `ended_early` used.
    pub fn from_legacy(ended_early: Option<&str>) -> Ending {
        let Some(why) = ended_early else {
            return Ending::Finished;
        };
        let says = |words: &str| why.contains(words);
        if says("interrupted") {
            Ending::Interrupted
        } else if says("did not finish") {
            Ending::Incomplete
        } else if says("fail-fast") {
            Ending::FailFast
        } else if says("failed outright") {
            Ending::HardFailure
        } else if says("sampler lag") || says("memory floor") {
            Ending::HarnessStopped
        } else {
            Ending::Collapse
        }
    }
}

/// What a run's exit code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunVerdict {
    /// The batch went through, nothing failed, no collapse (exit 0).
    #[default]
    #[serde(alias = "success")]
    Finished,
    /// The collapse was found, nothing failed before it (exit 0).
    CollapseFound,
    /// The hard failure was found, nothing failed before the collapse (exit 0).
    HardFailureFound,
    /// A `[thresholds]` limit was breached (exit 5).
    ThresholdsBreached,
    /// Operations failed or states were lost before the collapse, or in a
    /// run without one (exit 4).
    Failures,
    /// SIGINT or SIGTERM stopped the run (exit 130).
    Interrupted,
    /// The run did not finish: killed or crashed (exit 6).
    Incomplete,
    /// The harness's own machine stopped the run: the target was not judged (exit 7).
    Inconclusive,
}

/// What a verdict is judged on.
#[derive(Debug, Clone, Copy)]
pub struct Judged<'a> {
    pub ending: Ending,
    pub collapse_found: bool,
    pub hard_failure_found: bool,
    pub failures_before_collapse: usize,
    pub thresholds: &'a [ThresholdCheck],
}

impl RunVerdict {
    /// The verdict of a run: how it stopped first (a run that did not judge
    /// its target says so whatever it measured), then its thresholds, its
    /// failures, and what it found.
    pub fn of(run: Judged<'_>) -> RunVerdict {
        match run.ending {
            Ending::Interrupted => return RunVerdict::Interrupted,
            Ending::Incomplete => return RunVerdict::Incomplete,
            Ending::HarnessStopped => return RunVerdict::Inconclusive,
            _ => {}
        }
        if run.thresholds.iter().any(|t| t.breached) {
            RunVerdict::ThresholdsBreached
        } else if run.failures_before_collapse > 0 {
            RunVerdict::Failures
        } else if run.hard_failure_found {
            RunVerdict::HardFailureFound
        } else if run.collapse_found {
            RunVerdict::CollapseFound
        } else {
            RunVerdict::Finished
        }
    }

    /// The exit code of a run with this verdict (README "Exit codes").
    pub const fn exit_code(self) -> u8 {
        match self {
            RunVerdict::Finished | RunVerdict::CollapseFound | RunVerdict::HardFailureFound => 0,
            RunVerdict::Failures => 4,
            RunVerdict::ThresholdsBreached => 5,
            RunVerdict::Incomplete => 6,
            RunVerdict::Inconclusive => 7,
            RunVerdict::Interrupted => 130,
        }
    }

    /// The verdict as the console and report.md say it.
    pub fn describe(self) -> &'static str {
        match self {
            RunVerdict::Finished => "finished: the batch went through, nothing failed",
            RunVerdict::CollapseFound => "collapse found, nothing failed before it",
            RunVerdict::HardFailureFound => {
                "hard failure found, nothing failed before the collapse"
            }
            RunVerdict::ThresholdsBreached => "thresholds breached",
            RunVerdict::Failures => "failures before any collapse",
            RunVerdict::Interrupted => "interrupted by a signal",
            RunVerdict::Incomplete => "incomplete: the run did not finish (killed or crashed)",
            RunVerdict::Inconclusive => {
                "inconclusive: the harness's own machine stopped the run, the target was not judged"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(ending: Ending) -> Judged<'static> {
        Judged {
            ending,
            collapse_found: false,
            hard_failure_found: false,
            failures_before_collapse: 0,
            thresholds: &[],
        }
    }

    #[test]
    fn a_run_that_did_not_judge_its_target_is_never_a_success() {
        let failed = Judged {
            failures_before_collapse: 3,
            ..judged(Ending::Interrupted)
        };
        assert_eq!(RunVerdict::of(failed), RunVerdict::Interrupted);
        assert_eq!(
            RunVerdict::of(judged(Ending::Incomplete)),
            RunVerdict::Incomplete
        );
        assert_eq!(
            RunVerdict::of(judged(Ending::HarnessStopped)),
            RunVerdict::Inconclusive
        );
    }

    #[test]
    fn what_a_judged_run_found_is_its_verdict_unless_something_failed() {
        let collapse = Judged {
            collapse_found: true,
            ..judged(Ending::Collapse)
        };
        assert_eq!(RunVerdict::of(collapse), RunVerdict::CollapseFound);
        let hard = Judged {
            collapse_found: true,
            hard_failure_found: true,
            ..judged(Ending::HardFailure)
        };
        assert_eq!(RunVerdict::of(hard), RunVerdict::HardFailureFound);
        let failed = Judged {
            failures_before_collapse: 1,
            ..collapse
        };
        assert_eq!(RunVerdict::of(failed), RunVerdict::Failures);
        assert_eq!(
            RunVerdict::of(judged(Ending::Finished)),
            RunVerdict::Finished
        );
    }

    #[test]
    fn old_summaries_read_back_their_ending_and_verdict() {
        assert_eq!(Ending::from_legacy(None), Ending::Finished);
        assert_eq!(
            Ending::from_legacy(Some("interrupted by a signal")),
            Ending::Interrupted
        );
        assert_eq!(
            Ending::from_legacy(Some(
                "the run did not finish (no summary.json: killed, crashed or power lost)"
            )),
            Ending::Incomplete
        );
        assert_eq!(
            Ending::from_legacy(Some(
                "the guard stopped the run: at restore 5: sampler lag (machine unresponsive) (x)"
            )),
            Ending::HarnessStopped
        );
        let old: RunVerdict = serde_json::from_str("\"success\"").expect("an old verdict");
        assert_eq!(old, RunVerdict::Finished);
    }
}

//! The rules, their firings, and the verdict they add up to: the first
//! firing is the collapse point.

use serde::{Deserialize, Serialize};

/// A collapse rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Restore latency above k x the early median for R restores in a row.
    RestoreKnee,
    /// System-wide PSI memory "full avg10" above the threshold.
    PsiMemory,
    /// Swap use above its share of the budget.
    SwapShare,
    /// The sampler could not keep its schedule: the machine is unresponsive.
    SamplerLag,
    /// A restore did not finish within the operation timeout.
    OpTimeout,
    /// The target engine stopped answering or died.
    EngineDown,
    /// The kernel OOM-killed something in the target's budget.
    OomKill,
    /// The harness's own machine fell under its available-memory floor.
    HostFloor,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::RestoreKnee => "restore latency knee",
            Rule::PsiMemory => "memory pressure (PSI full avg10)",
            Rule::SwapShare => "swap budget nearly used",
            Rule::SamplerLag => "sampler lag (machine unresponsive)",
            Rule::OpTimeout => "restore timed out",
            Rule::EngineDown => "target engine down",
            Rule::OomKill => "OOM kill in target",
            Rule::HostFloor => "harness host under its memory floor",
        }
    }
}

/// One rule firing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Firing {
    pub rule: Rule,
    /// 1-based ordinal of the restore during (or at the end of) which it fired.
    pub at_restore: usize,
    /// Milliseconds since the run started.
    pub t_ms: f64,
    /// The values that triggered it.
    pub detail: String,
}

/// All firings, in time order; the first defines the collapse point.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub point: Option<Firing>,
    pub firings: Vec<Firing>,
}

impl Verdict {
    pub fn push(&mut self, firing: Firing) {
        if self.point.is_none() {
            self.point = Some(firing.clone());
        }
        self.firings.push(firing);
    }

    /// "collapse at restore N: cause (values)" or "no collapse up to N".
    pub fn describe(&self, restored: usize) -> String {
        match &self.point {
            Some(f) => format!(
                "collapse at restore {}: {} ({})",
                f.at_restore,
                f.rule.as_str(),
                f.detail
            ),
            None => format!("no collapse up to {restored} restored containers"),
        }
    }
}

//! Readiness checks: what an engine needs on this machine, each with what to
//! do when it is missing. `doctor` prints them; a run refuses to start on a
//! required one that fails.

/// What the engine is for in a run: the checks differ (a Docker target's
/// data root must be writable by the harness; a source's need not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Source,
    Target,
}

/// One prerequisite.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    /// Required for a run (otherwise only a warning).
    pub required: bool,
    pub detail: String,
    /// What to do when it fails.
    pub fix: String,
}

impl Check {
    /// A required check.
    pub fn required(name: &str, ok: bool, detail: impl Into<String>, fix: &str) -> Check {
        Check {
            name: name.to_string(),
            ok,
            required: true,
            detail: detail.into(),
            fix: fix.to_string(),
        }
    }

    /// A check whose failure is only a warning.
    pub fn optional(name: &str, ok: bool, detail: impl Into<String>, fix: &str) -> Check {
        Check {
            required: false,
            ..Check::required(name, ok, detail, fix)
        }
    }

    /// A required check that failed, as one sentence with its fix.
    pub fn refusal(&self) -> Option<String> {
        (self.required && !self.ok).then(|| format!("{}: {}; {}", self.name, self.detail, self.fix))
    }
}

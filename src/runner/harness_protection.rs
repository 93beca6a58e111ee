//! Keeps the harness alive and responsive while the target collapses: its
//! memory is locked (never swapped out when the machine swaps) and the kernel
//! OOM killer is asked to spare it. Both are best effort: without them the
//! run still works, so a failure is logged, not fatal.

/// Applies both protections; returns what could not be applied.
pub fn protect_harness() -> Vec<String> {
    let mut problems = Vec::new();
    use rustix::mm::{mlockall, MlockAllFlags};
    if let Err(e) = mlockall(MlockAllFlags::CURRENT | MlockAllFlags::FUTURE) {
        problems.push(format!("cannot lock the harness's memory: {e}"));
    }
    if let Err(e) = std::fs::write("/proc/self/oom_score_adj", "-900") {
        problems.push(format!("cannot lower the harness's OOM score: {e}"));
    }
    for problem in &problems {
        tracing::info!("{problem}");
    }
    problems
}

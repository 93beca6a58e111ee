//! CPU the harness spends doing migration work itself (copying checkpoints:
//! the transfer step, and placing a checkpoint into a clone's store), counted
//! apart so that the harness's own cost (sampling, recording, scheduling) is
//! reported without the work its transfer rows already time.

use std::sync::atomic::{AtomicU64, Ordering};

static MIGRATION_WORK_NS: AtomicU64 = AtomicU64::new(0);

/// CPU time this thread has used, ns.
fn thread_cpu_ns() -> u64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    (now.tv_sec as u64).saturating_mul(1_000_000_000) + now.tv_nsec as u64
}

/// Runs `work` (blocking, on this thread) and counts its CPU time as
/// migration work.
pub fn counted<T>(work: impl FnOnce() -> T) -> T {
    let before = thread_cpu_ns();
    let result = work();
    let used = thread_cpu_ns().saturating_sub(before);
    MIGRATION_WORK_NS.fetch_add(used, Ordering::Relaxed);
    result
}

/// Migration work so far in this process, seconds.
pub fn total_s() -> f64 {
    MIGRATION_WORK_NS.load(Ordering::Relaxed) as f64 / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_is_counted() {
        let before = total_s();
        let x = counted(|| (0..5_000_000u64).fold(0u64, |a, i| a.wrapping_add(i * i)));
        std::hint::black_box(x);
        assert!(total_s() > before);
    }
}

//! CPU the harness spends doing migration work itself (moving checkpoint
//! bytes: copies, SSH streams, a Podman export's download and import's
//! upload, reading and rewriting archives), counted apart so that the
//! harness's own cost (sampling, recording, scheduling) is reported without
//! the work its transfer rows already time; and the bytes that work moved,
//! for its cost per GB.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

static MIGRATION_WORK_NS: AtomicU64 = AtomicU64::new(0);
static MIGRATION_BYTES: AtomicU64 = AtomicU64::new(0);

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

/// Runs `work` (a future) and counts the CPU time of each of its polls as
/// migration work: whatever thread polls it, only its own polls count.
pub async fn counted_future<F: Future>(work: F) -> F::Output {
    let mut work = std::pin::pin!(work);
    std::future::poll_fn(|cx| {
        let before = thread_cpu_ns();
        let polled = work.as_mut().poll(cx);
        let used = thread_cpu_ns().saturating_sub(before);
        MIGRATION_WORK_NS.fetch_add(used, Ordering::Relaxed);
        polled
    })
    .await
}

/// Notes `bytes` of checkpoint moved by the harness (each copy, upload or
/// download counts once: a Podman migration moves its archive twice).
pub fn add_bytes(bytes: u64) {
    MIGRATION_BYTES.fetch_add(bytes, Ordering::Relaxed);
}

/// Checkpoint bytes the harness moved so far in this process.
pub fn total_bytes() -> u64 {
    MIGRATION_BYTES.load(Ordering::Relaxed)
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

    #[tokio::test]
    async fn a_future_s_polls_are_counted_and_only_they() {
        let before = total_s();
        // Spinning outside the counted future is not migration work.
        let spin = || (0..5_000_000u64).fold(0u64, |a, i| a.wrapping_add(i * i));
        std::hint::black_box(spin());
        let idle = total_s() - before;
        let x = counted_future(async {
            tokio::task::yield_now().await;
            spin()
        })
        .await;
        std::hint::black_box(x);
        assert!(total_s() - before > idle, "the future's spin counted");
    }
}

//! The target's running-container count when there is no cgroup of ours to
//! read: asked of its engine by one background task, one request at a time.
//!
//! Asking on the sampler's own tick, with the tick's budget as timeout, piled
//! up requests on a busy engine: a dropped request still runs on the engine's
//! side. Podman's info takes every container's lock in turn, so each one waits
//! behind the checkpoint holding a lock; a 30-container run left Podman with
//! thousands of such requests and wedged it (seen here). So: at most one
//! request in flight, never more often than [`MIN_PERIOD`], and the sampler
//! reads the latest answer.

use futures_util::future::BoxFuture;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The most often the engine is asked.
const MIN_PERIOD: Duration = Duration::from_secs(2);
/// How long one answer may take before the poller gives up on it and waits
/// a period before the next.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// The latest count and when it was answered.
#[derive(Debug, Clone, Copy)]
struct Answer {
    running: u64,
    at: Instant,
}

/// Reads what the polling task last heard.
pub struct RunningCount {
    latest: watch::Receiver<Option<Answer>>,
    /// An answer older than this is not reported (the engine stopped answering).
    fresh_for: Duration,
}

impl RunningCount {
    /// Starts asking (`ask`: the engine's running count, `None` when it
    /// fails) every `interval`, at least [`MIN_PERIOD`] apart, until `stop`
    /// is cancelled.
    pub fn spawn<F>(ask: F, interval: Duration, stop: CancellationToken) -> RunningCount
    where
        F: Fn() -> BoxFuture<'static, Option<u64>> + Send + 'static,
    {
        let period = interval.max(MIN_PERIOD);
        let (sender, latest) = watch::channel(None);
        tokio::spawn(async move {
            loop {
                let asked = Instant::now();
                if let Ok(Some(running)) = tokio::time::timeout(ANSWER_TIMEOUT, ask()).await {
                    sender.send_replace(Some(Answer {
                        running,
                        at: Instant::now(),
                    }));
                }
                let next = asked + period;
                tokio::select! {
                    () = tokio::time::sleep_until(next) => {}
                    () = stop.cancelled() => return,
                }
            }
        });
        RunningCount {
            latest,
            fresh_for: period * 3 + ANSWER_TIMEOUT,
        }
    }

    /// The running containers as last answered, unless that answer is stale.
    pub fn get(&self) -> Option<u64> {
        self.latest
            .borrow()
            .filter(|answer| answer.at.elapsed() <= self.fresh_for)
            .map(|answer| answer.running)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// An engine slower than the sampler's tick is asked one request at a
    /// time, at most once per period, and its answer still reaches the sampler.
    #[tokio::test(start_paused = true)]
    async fn a_slow_engine_is_never_asked_twice_at_once() {
        let (asked, in_flight, most_in_flight) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
        );
        let (a, f, m) = (asked.clone(), in_flight.clone(), most_in_flight.clone());
        let ask = move || -> BoxFuture<'static, Option<u64>> {
            let (a, f, m) = (a.clone(), f.clone(), m.clone());
            Box::pin(async move {
                a.fetch_add(1, Ordering::SeqCst);
                let now = f.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                // Three seconds per answer, against a 100 ms sampler tick.
                tokio::time::sleep(Duration::from_secs(3)).await;
                f.fetch_sub(1, Ordering::SeqCst);
                Some(7)
            })
        };
        let stop = CancellationToken::new();
        let count = RunningCount::spawn(ask, Duration::from_millis(100), stop.clone());
        assert_eq!(count.get(), None, "nothing answered yet");
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert_eq!(count.get(), Some(7));
        assert_eq!(most_in_flight.load(Ordering::SeqCst), 1);
        // Each request takes 3 s and the next starts at least a period after
        // the previous one was sent: 30 s hold 10 requests, not 300.
        let asked_n = asked.load(Ordering::SeqCst);
        assert!((9..=11).contains(&asked_n), "asked {asked_n} times");
        stop.cancel();
    }

    /// An engine that stops answering stops being reported.
    #[tokio::test(start_paused = true)]
    async fn a_silent_engine_is_not_reported_running() {
        let answers = Arc::new(AtomicUsize::new(0));
        let n = answers.clone();
        let ask = move || -> BoxFuture<'static, Option<u64>> {
            let n = n.clone();
            Box::pin(async move {
                if n.fetch_add(1, Ordering::SeqCst) == 0 {
                    Some(3)
                } else {
                    std::future::pending().await
                }
            })
        };
        let stop = CancellationToken::new();
        let count = RunningCount::spawn(ask, Duration::from_millis(500), stop.clone());
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(count.get(), Some(3));
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(count.get(), None, "a stale answer is not a count");
        stop.cancel();
    }
}

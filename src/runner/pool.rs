//! A bounded pool of workers for one phase: `concurrency` workers take the
//! next item from a shared queue, and each pauses after each of its
//! operations (the lab's pacing). Once `stop` is cancelled no new operation
//! starts; the items not reached are handed back untouched.

use crate::scenario::Pacing;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// Items processed and items never started, each in index order.
pub struct PhaseResult<T> {
    pub done: Vec<T>,
    pub not_started: Vec<T>,
}

/// Runs `operation` on every item under `pacing`, until `stop` is cancelled.
pub async fn run_paced<T, F, Fut>(
    items: Vec<T>,
    pacing: Pacing,
    stop: CancellationToken,
    operation: F,
) -> PhaseResult<T>
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = T> + Send,
{
    let indexed: VecDeque<(usize, T)> = items.into_iter().enumerate().collect();
    let queue = Arc::new(Mutex::new(indexed));
    let operation = Arc::new(operation);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..pacing.concurrency.max(1) {
        let queue = queue.clone();
        let operation = operation.clone();
        let stop = stop.clone();
        workers.spawn(async move {
            let mut done = Vec::new();
            loop {
                if stop.is_cancelled() {
                    break;
                }
                let Some((position, item)) = queue.lock().await.pop_front() else {
                    break;
                };
                done.push((position, operation(item).await));
                if !pacing.pause.is_zero() {
                    tokio::select! {
                        () = tokio::time::sleep(pacing.pause) => {}
                        () = stop.cancelled() => break,
                    }
                }
            }
            done
        });
    }
    let mut done = Vec::new();
    while let Some(joined) = workers.join_next().await {
        // A panicking operation is a bug; its item is lost from this phase but
        // the run goes on and still cleans up by label.
        if let Ok(items) = joined {
            done.extend(items);
        }
    }
    done.sort_by_key(|(position, _)| *position);
    let not_started = std::mem::take(&mut *queue.lock().await);
    PhaseResult {
        done: done.into_iter().map(|(_, item)| item).collect(),
        not_started: not_started.into_iter().map(|(_, item)| item).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn never_exceeds_concurrency_and_keeps_order() {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let pacing = Pacing {
            concurrency: 3,
            pause: Duration::from_millis(1),
        };
        let (f, p) = (in_flight.clone(), peak.clone());
        let result = run_paced(
            (0..20).collect(),
            pacing,
            CancellationToken::new(),
            move |i: u32| {
                let (f, p) = (f.clone(), p.clone());
                async move {
                    let now = f.fetch_add(1, Ordering::SeqCst) + 1;
                    p.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    f.fetch_sub(1, Ordering::SeqCst);
                    i * 10
                }
            },
        )
        .await;
        assert_eq!(result.done, (0..20).map(|i| i * 10).collect::<Vec<_>>());
        assert!(result.not_started.is_empty());
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn stop_hands_back_what_was_not_started() {
        let stop = CancellationToken::new();
        let pacing = Pacing {
            concurrency: 1,
            pause: Duration::ZERO,
        };
        let trigger = stop.clone();
        let result = run_paced((0..10).collect(), pacing, stop, move |i: u32| {
            if i == 3 {
                trigger.cancel();
            }
            async move { i }
        })
        .await;
        assert_eq!(result.done, vec![0, 1, 2, 3]);
        assert_eq!(result.not_started, (4..10).collect::<Vec<_>>());
    }
}

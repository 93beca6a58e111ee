//! A bounded pool of workers for one phase: `concurrency` workers take the
//! next item from a shared queue, and each pauses after each of its
//! operations (the lab's pacing). Once `stop` is cancelled no new operation
//! starts; the items not reached are handed back untouched. An operation that
//! panics (a bug) costs only its own item, which `on_panic` turns into a
//! recorded failure; the worker goes on with the next.

use crate::scenario::Pacing;
use futures_util::FutureExt;
use std::collections::VecDeque;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// Items processed and items never started, each in index order.
pub struct PhaseResult<T> {
    pub done: Vec<T>,
    pub not_started: Vec<T>,
}

/// What to do with an item whose operation panicked: the item as it was
/// before the operation, and the panic's message.
pub type OnPanic<T> = dyn Fn(T, String) -> T + Send + Sync;

/// Runs `operation` on every item under `pacing`, until `stop` is cancelled.
pub async fn run_paced<T, F, Fut>(
    items: Vec<T>,
    pacing: Pacing,
    stop: CancellationToken,
    operation: F,
    on_panic: Arc<OnPanic<T>>,
) -> PhaseResult<T>
where
    T: Clone + Send + 'static,
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
        let on_panic = on_panic.clone();
        let stop = stop.clone();
        workers.spawn(async move {
            let mut done = Vec::new();
            loop {
                let next = {
                    let mut queue = queue.lock().await;
                    // Checked while holding the queue: the stop and taking the
                    // next item are one step, so nothing starts after a stop.
                    if stop.is_cancelled() {
                        break;
                    }
                    queue.pop_front()
                };
                let Some((position, item)) = next else {
                    break;
                };
                let before = item.clone();
                let item = match AssertUnwindSafe(operation(item)).catch_unwind().await {
                    Ok(item) => item,
                    Err(panic) => on_panic(before, panic_message(panic.as_ref())),
                };
                done.push((position, item));
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
        // Operations' panics are caught above; a worker cannot panic itself.
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

/// The text a panic was raised with.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
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
            Arc::new(|i, _| i),
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
        let result = run_paced(
            (0..10).collect(),
            pacing,
            stop,
            move |i: u32| {
                if i == 3 {
                    trigger.cancel();
                }
                async move { i }
            },
            Arc::new(|i, _| i),
        )
        .await;
        assert_eq!(result.done, vec![0, 1, 2, 3]);
        assert_eq!(result.not_started, (4..10).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_panicking_operation_costs_only_its_own_item() {
        let pacing = Pacing {
            concurrency: 1,
            pause: Duration::ZERO,
        };
        let result = run_paced(
            (0..6).collect(),
            pacing,
            CancellationToken::new(),
            |i: i64| async move {
                assert_ne!(i, 2, "a bug in the operation");
                i * 10
            },
            Arc::new(|i: i64, message: String| {
                assert!(message.contains("a bug in the operation"), "{message}");
                -i
            }),
        )
        .await;
        // The same single worker finished the items before and after the panic.
        assert_eq!(result.done, vec![0, 10, -2, 30, 40, 50]);
        assert!(result.not_started.is_empty());
    }

    #[tokio::test]
    async fn a_stop_during_an_operation_starts_nothing_more() {
        let stop = CancellationToken::new();
        let started = Arc::new(AtomicUsize::new(0));
        let pacing = Pacing {
            concurrency: 4,
            pause: Duration::ZERO,
        };
        let (trigger, count) = (stop.clone(), started.clone());
        let result = run_paced(
            (0..100).collect(),
            pacing,
            stop,
            move |i: u32| {
                let (trigger, count) = (trigger.clone(), count.clone());
                async move {
                    let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                    if n == 10 {
                        trigger.cancel();
                    }
                    tokio::task::yield_now().await;
                    i
                }
            },
            Arc::new(|i, _| i),
        )
        .await;
        // At most the operations already in flight when the stop came finish.
        let ran = started.load(Ordering::SeqCst);
        assert!(ran < 10 + 4, "{ran} operations started");
        assert_eq!(result.done.len(), ran);
        assert_eq!(result.done.len() + result.not_started.len(), 100);
    }
}

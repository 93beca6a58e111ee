//! The runner: launch -> warm-up -> checkpoint -> transfer -> restore ->
//! verify -> cleanup, each phase with bounded concurrency and pacing, while
//! the sampler measures the machine and the recorder writes every row.

mod batch;
mod cleanup;
mod container_spec;
mod context;
mod downtime_from_log;
mod drive;
mod engine_options;
mod environment;
#[cfg(test)]
mod guard_tests;
mod harness_protection;
mod lines;
mod owner;
mod phases;
mod pipeline;
mod pool;
mod prepare_ahead;
mod progress;
mod recorder;
mod rollback;
mod run_options;
#[cfg(test)]
mod scheduling_tests;
mod selfcost;
mod setup;
mod soak;
mod strategy_check;
mod transfer_in_restore;
mod verify;

pub use cleanup::{remove_containers, Removal};
pub use engine_options::open_engine;
pub use environment::criu_version;
pub use lines::{CounterLine, ResumedLine};
pub use owner::{live_host_owner, live_run_owner};
pub use run_options::{CurrentRunDir, RunError, RunOptions, RunReport};

use crate::collapse::{Budget, Detector, Rule, TargetBudget};
use crate::event::LiveState;
use crate::record::Phase;
use crate::scenario::{Pacing, Scenario};
use crate::summary::{self, Ending, Summary};
use context::{RunContext, Slot};
use recorder::{Recorded, Recorder};
use setup::Prepared;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// Containers launched at once (launch is set-up, not a measured phase).
const LAUNCH_CONCURRENCY: usize = 4;

/// Runs `scenario`; `interrupt` is cancelled on Ctrl-C / SIGTERM.
pub async fn run(
    scenario: Scenario,
    options: RunOptions,
    interrupt: CancellationToken,
) -> Result<RunReport, RunError> {
    harness_protection::protect_harness();
    let prepared = setup::prepare(scenario, &options).await?;
    let run_dir = prepared.plan.run_dir.clone();
    let host = prepared.host.clone();
    let outcome = execute(prepared, &options, interrupt.clone()).await;
    if let Some(host) = host {
        setup::host_down(&host, &run_dir).await;
    }
    let summary = outcome?;
    Ok(RunReport {
        run_dir,
        summary,
        interrupted: interrupt.is_cancelled(),
    })
}

async fn execute(
    mut prepared: Prepared,
    options: &RunOptions,
    interrupt: CancellationToken,
) -> Result<Summary, RunError> {
    let fail_fast = options.fail_fast;
    let scenario = prepared.plan.scenario.clone();
    let cost = selfcost::CostMeter::start();
    let Some((ops_csv, samples_csv)) = prepared.record_files.take() else {
        return Err(RunError::Io("the record files were already taken".into()));
    };
    let started = Instant::now();
    let started_unix_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    let (events, events_rx) = mpsc::unbounded_channel();
    let (projection_tx, projection_rx) = watch::channel(None);
    let (alerts_tx, alerts_rx) = mpsc::unbounded_channel();
    // The guard stops the phases that drive the target; an interrupt stops everything.
    let guard_stop = interrupt.child_token();
    let budget = prepared.budget.as_ref().map(|b| TargetBudget {
        memory_bytes: b.memory_bytes,
        swap_bytes: b.swap_bytes,
    });
    let recorder = Recorder {
        ops_csv,
        samples_csv,
        detector: Detector::new(
            scenario.collapse.clone(),
            budget,
            scenario.host_min_available_mib << 20,
        ),
        policy: scenario.guard_policy,
        stop_restores: guard_stop.clone(),
        budget: budget.map(|b| Budget {
            ram_bytes: b.memory_bytes,
            swap_bytes: b.swap_bytes,
        }),
        fit_restores: scenario.collapse.projection_restores.get(),
        projection_tx,
        alerts_tx,
    };
    let recorder = tokio::spawn(recorder.run(events_rx));
    let live = Arc::new(LiveState::default());
    let ctx = Arc::new(RunContext {
        plan: prepared.plan.clone(),
        round: 1,
        events: events.clone(),
        started,
        started_unix_ms,
        live: live.clone(),
        interrupt: interrupt.clone(),
        stop: guard_stop.clone(),
        fail_fast,
    });

    setup::ship_image(&ctx, prepared.ship_image).await;

    let sampler_stop = CancellationToken::new();
    let sampler = tokio::spawn(crate::sampler::run(
        crate::sampler::SamplerConfig {
            interval: scenario.sample_interval,
            target_cgroup: prepared.host.as_ref().map(|h| h.cgroup.clone()),
            target_engine: prepared.plan.target.clone(),
            target_metrics: scenario.targets[0].metrics.clone(),
            live: live.clone(),
            events: events.clone(),
            run_started: started,
        },
        sampler_stop.clone(),
    ));
    drop(events);
    let progress = progress::Progress::new(alerts_rx, projection_rx, options.progress);

    let slots: Vec<Slot> = (0..scenario.containers)
        .map(|index| Slot::new(index, format!("mb-{}-{index:04}", prepared.plan.run_id)))
        .collect();
    let launch_pacing = Pacing {
        concurrency: LAUNCH_CONCURRENCY.max(scenario.checkpoint.concurrency),
        pause: Duration::ZERO,
    };
    let slots = drive::drive(
        &ctx,
        &progress,
        Phase::Launch,
        slots,
        launch_pacing,
        &guard_stop,
        |c, s| async move { phases::launch(&c, s).await },
    )
    .await;
    warm_up(&scenario, &interrupt).await;
    let rounds = soak::migrate_rounds(
        &ctx,
        &progress,
        slots,
        &guard_stop,
        prepared.rounds_csv.take(),
    )
    .await;

    sampler_stop.cancel();
    let _ = sampler.await;
    progress.finish();
    let mut cleanup_errors = rounds.errors;
    cleanup_errors.extend(setup::cleanup(&ctx).await);
    drop(ctx);
    let recorded = recorder
        .await
        .map_err(|e| RunError::Io(format!("the recorder task failed: {e}")))?;
    let ended = why_ended(
        interrupt.is_cancelled(),
        guard_stop.is_cancelled(),
        scenario.guard_policy,
        &recorded.detector,
        live.migrated() as usize,
    );
    let mut summary = finish(
        &prepared.plan.run_id,
        &prepared.plan.scenario,
        &prepared.environment,
        recorded,
        ended,
        cleanup_errors,
    );
    summary.harness = Some(cost.finish());
    summary.rounds = rounds.rows;
    summary::write(&prepared.plan.run_dir, &summary)?;
    Ok(summary)
}

/// How the run ended, and why in words when it ended before its batch did.
fn why_ended(
    interrupted: bool,
    stopped: bool,
    policy: crate::scenario::GuardPolicy,
    detector: &Detector,
    migrated: usize,
) -> (Ending, Option<String>) {
    let verdict = detector.verdict();
    let observe = policy == crate::scenario::GuardPolicy::Observe;
    if interrupted {
        return (
            Ending::Interrupted,
            Some("interrupted by a signal".to_string()),
        );
    }
    if !stopped {
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
    match (detector.hard_failure(), stopping) {
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
                verdict.describe(migrated)
            };
            (ending, Some(format!("the guard stopped the run: {why}")))
        }
    }
}

async fn warm_up(scenario: &Scenario, interrupt: &CancellationToken) {
    tokio::select! {
        () = tokio::time::sleep(scenario.warmup) => {}
        () = interrupt.cancelled() => {}
    }
}

/// The summary of what was recorded: `migbench report` rebuilds the same
/// from the CSVs (see recorder's tests).
fn finish(
    run_id: &str,
    scenario: &Scenario,
    environment: &serde_json::Value,
    recorded: Recorded,
    (ending, ended_early): (Ending, Option<String>),
    cleanup_errors: Vec<String>,
) -> Summary {
    let mut data_notes = recorded.write_errors;
    data_notes.extend(cleanup_errors.into_iter().map(|e| format!("cleanup: {e}")));
    let (collapse, hard_failure) = recorded.detector.into_parts();
    Summary::build(summary::SummaryInput {
        run_id,
        scenario: &scenario.name,
        mode: scenario.mode,
        thresholds: &scenario.thresholds,
        containers: scenario.containers,
        ops: &recorded.ops,
        samples: &recorded.samples,
        collapse,
        hard_failure,
        projection: recorded.projection,
        ended_early,
        ending,
        data_notes,
        environment: environment.clone(),
    })
}

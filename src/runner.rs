//! The runner: launch -> warm-up -> checkpoint -> transfer -> restore ->
//! verify -> cleanup, each phase with bounded concurrency and pacing, while
//! the sampler measures the machine and the recorder writes every row.

mod batch;
mod cleanup;
mod connect_engine;
mod container_spec;
mod context;
mod downtime_from_log;
mod drive;
mod engine_options;
mod environment;
#[cfg(test)]
mod fleet_scheduling_tests;
#[cfg(test)]
mod guard_tests;
mod harness_protection;
mod lines;
mod owner;
mod phases;
mod pipeline;
mod placement;
mod pool;
mod prepare_ahead;
mod progress;
mod recorder;
mod rollback;
mod run_options;
#[cfg(test)]
mod scheduling_harness;
#[cfg(test)]
mod scheduling_tests;
mod selfcost;
mod setup;
mod slot;
mod soak;
mod strategy_check;
mod target_plan;
mod targets_up;
mod transfer_in_restore;
mod verify;
mod why_ended;

pub use cleanup::{remove_containers, Removal};
pub use engine_options::open_engine;
pub use environment::criu_version;
pub use lines::{CounterLine, ResumedLine};
pub use owner::{live_host_owner, live_run_owner};
pub use run_options::{CurrentRunDir, RunError, RunOptions, RunReport};

use crate::collapse::FleetDetector;
use crate::event::{LiveState, TargetView};
use crate::record::Phase;
use crate::scenario::{Pacing, Scenario};
use crate::summary::{self, Summary};
use context::{RunContext, Slot};
use recorder::{Recorded, Recorder};
use setup::Prepared;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use why_ended::{why_ended, Stopped};

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
    let hosts = prepared.hosts.clone();
    let names: Vec<String> = prepared
        .plan
        .targets
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let outcome = execute(prepared, &options, interrupt.clone()).await;
    setup::hosts_down(&hosts, &run_dir, &names).await;
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
    let targets = prepared.plan.targets.len();
    let views = prepared.plan.targets.iter().map(|t| TargetView {
        name: t.name.clone(),
        ..TargetView::default()
    });
    let (view_tx, view_rx) = watch::channel(views.collect());
    let (alerts_tx, alerts_rx) = mpsc::unbounded_channel();
    // The guard stops the phases that drive the targets; an interrupt stops everything.
    let guard_stop = interrupt.child_token();
    let closed: Vec<CancellationToken> = (0..targets).map(|_| CancellationToken::new()).collect();
    let detector = FleetDetector::of(&scenario);
    let placer = scenario.is_fleet().then(|| {
        let budgets = (0..targets).map(|i| detector.budget(i)).collect();
        Arc::new(placement::Placer::new(
            scenario.placement,
            closed.clone(),
            budgets,
            view_rx.clone(),
            scenario.workload_memory_mib,
        ))
    });
    let recorder = Recorder {
        ops_csv,
        samples_csv,
        detector,
        policy: scenario.guard_policy,
        closed,
        stop_restores: guard_stop.clone(),
        fit_restores: scenario.collapse.projection_restores.get(),
        view_tx,
        alerts_tx,
    };
    let recorder = tokio::spawn(recorder.run(events_rx));
    let live = Arc::new(LiveState::for_targets(targets));
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
        placer,
    });

    setup::ship_image(&ctx).await;

    let sampled = prepared
        .plan
        .targets
        .iter()
        .zip(&prepared.hosts)
        .zip(&scenario.targets)
        .map(|((plan, host), spec)| crate::sampler::SampledTarget {
            name: plan.name.clone(),
            cgroup: host.as_ref().map(|h| h.cgroup.clone()),
            engine: plan.engine.clone(),
            metrics: spec.metrics.clone(),
        })
        .collect();
    let sampler_stop = CancellationToken::new();
    let sampler = tokio::spawn(crate::sampler::run(
        crate::sampler::SamplerConfig {
            interval: scenario.sample_interval,
            targets: sampled,
            live: live.clone(),
            events: events.clone(),
            run_started: started,
        },
        sampler_stop.clone(),
    ));
    drop(events);
    let progress = progress::Progress::new(alerts_rx, view_rx, options.progress);

    // With one target every container is its own from the start; a fleet
    // places each as its restore begins.
    let first_target = (!scenario.is_fleet()).then_some(0);
    let slots: Vec<Slot> = (0..scenario.containers)
        .map(|index| Slot {
            target: first_target,
            ..Slot::new(index, format!("mb-{}-{index:04}", prepared.plan.run_id))
        })
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
    let mut summary = finish(
        &prepared.plan.run_id,
        &prepared.plan.scenario,
        &prepared.environment,
        recorded,
        Stopped {
            interrupted: interrupt.is_cancelled(),
            by_guard: guard_stop.is_cancelled(),
            migrated: live.migrated() as usize,
        },
        cleanup_errors,
    );
    summary.harness = Some(cost.finish());
    summary.rounds = rounds.rows;
    summary::write(&prepared.plan.run_dir, &summary)?;
    Ok(summary)
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
    stopped: Stopped,
    cleanup_errors: Vec<String>,
) -> Summary {
    let mut data_notes = recorded.write_errors;
    data_notes.extend(cleanup_errors.into_iter().map(|e| format!("cleanup: {e}")));
    let judged = summary::judge(
        recorded.detector.into_parts(),
        &recorded.samples,
        scenario.collapse.projection_restores.get(),
    );
    let (ending, ended_early) = why_ended(stopped, scenario.guard_policy, &judged);
    Summary::build(summary::SummaryInput {
        run_id,
        scenario: &scenario.name,
        mode: scenario.mode,
        thresholds: &scenario.thresholds,
        containers: scenario.containers,
        ops: &recorded.ops,
        samples: &recorded.samples,
        collapse: judged.collapse,
        hard_failure: judged.hard_failure,
        projection: judged.projection,
        ended_early,
        ending,
        data_notes,
        environment: environment.clone(),
        placement: scenario.placement.as_str(),
        targets: judged.targets,
    })
}

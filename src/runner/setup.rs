//! Before and after the phases: engines checked, run directory and record
//! files created up front (a bad path fails before anything is measured),
//! the targets brought up (see `targets_up`), the image shipped; and at the
//! end, cleanup.

use super::cleanup;
use super::connect_engine::connect_checked;
use super::context::{RunContext, RunPlan, Slot};
use super::environment::{criu_version, Environment, TargetEnvironment};
use super::run_options::{RunError, RunOptions};
use super::strategy_check::refuse_unsupported_strategy;
use super::targets_up::{self, TargetUp};
use crate::engine::{image, Engine, EngineInfo, Role};
use crate::host::HostState;
use crate::record::{self, CsvAppender, OpRecord, Phase, RoundRow, SampleRow};
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Everything a run needs before its first phase.
pub struct Prepared {
    /// What every operation reads (see [`RunPlan`]).
    pub plan: Arc<RunPlan>,
    /// ops.csv and samples.csv, created up front; taken by the recorder.
    pub record_files: Option<(CsvAppender<OpRecord>, CsvAppender<SampleRow>)>,
    /// rounds.csv, created up front for a soak; taken by the rounds.
    pub rounds_csv: Option<CsvAppender<RoundRow>>,
    /// Each target's emulated host, in the scenario's order (`None`: a
    /// running engine).
    pub hosts: Vec<Option<HostState>>,
    pub environment: serde_json::Value,
}

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> RunError {
    let message = format!("{what} '{}'", path.display());
    move |e| RunError::Io(format!("{message}: {e}"))
}

/// Creates `<results>/<name>-<UTC time>-<pid>`: the run id names containers,
/// labels and checkpoint directories, so the pid keeps two runs started in the
/// same second apart, whatever their results directories.
fn create_run_dir(results_dir: &Path, name: &str) -> Result<(String, PathBuf), RunError> {
    std::fs::create_dir_all(results_dir)
        .map_err(io("cannot create results directory", results_dir))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    for attempt in 0..100 {
        let run_id = super::owner::run_id(name, &stamp, attempt);
        let dir = results_dir.join(&run_id);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok((run_id, dir)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io("cannot create run directory", &dir)(e)),
        }
    }
    Err(RunError::Io(format!(
        "too many runs named '{name}' in '{}' this second",
        results_dir.display()
    )))
}

pub async fn prepare(scenario: Scenario, options: &RunOptions) -> Result<Prepared, RunError> {
    let (source, source_info) = connect_checked(
        scenario.source_engine,
        &scenario.source_endpoint,
        Role::Source,
        &super::engine_options::source(&scenario),
        scenario.op_timeout,
    )
    .await?;
    // An emulated target runs the source's kind of engine: it can do what
    // the source can.
    refuse_unsupported_strategy(source.as_ref(), scenario.strategy, "source").await?;
    for target in &scenario.targets {
        // Checked before anything is created, so a dead target leaves nothing.
        if let Some(endpoint) = target.endpoint().filter(|e| *e != scenario.source_endpoint) {
            let kind = scenario.target_engine;
            let reach = super::engine_options::target(&scenario, target, endpoint, None)?;
            let (engine, _) =
                connect_checked(kind, endpoint, Role::Target, &reach, scenario.op_timeout).await?;
            refuse_unsupported_strategy(engine.as_ref(), scenario.strategy, "target").await?;
        }
        if let Some(metrics) = &target.metrics {
            // Without them the target's pressure and swap rules cannot judge.
            crate::sampler::node_exporter::scrape(&metrics.url)
                .await
                .map_err(|e| RunError::Environment(format!("target metrics: {e}")))?;
        }
    }
    if criu_version().is_none() {
        return Err(RunError::Environment(
            "CRIU is not installed (no `criu` on PATH): run scripts/provision.sh".into(),
        ));
    }
    let (run_id, run_dir) = create_run_dir(&options.results_dir, &scenario.name)?;
    if let Ok(mut current) = options.current_run_dir.lock() {
        *current = Some(run_dir.clone());
    }
    let scenario_path = run_dir.join(record::SCENARIO_TOML);
    std::fs::write(&scenario_path, &scenario.source_text)
        .map_err(io("cannot write", &scenario_path))?;
    let ops_csv = CsvAppender::create(&run_dir.join(record::OPS_CSV))?;
    let samples_csv = CsvAppender::create(&run_dir.join(record::SAMPLES_CSV))?;
    let rounds_csv = match scenario.rounds {
        1 => None,
        _ => Some(CsvAppender::create(&run_dir.join(record::ROUNDS_CSV))?),
    };
    let (image, _) = image::ensure_image(source.as_ref())
        .await
        .map_err(|e| RunError::Environment(format!("cannot make the workload image: {e}")))?;
    let up = targets_up::bring_up(&scenario).await?;
    let hosts: Vec<HostState> = up.iter().filter_map(|t| t.host.clone()).collect();
    let early = Early {
        scenario,
        source,
        source_info,
        run_id,
        run_dir,
        record_files: (ops_csv, samples_csv),
        rounds_csv,
        image,
    };
    let rest = prepare_targets(early, up).await;
    if rest.is_err() {
        // The run never started: nothing of these hosts is worth keeping.
        targets_up::tear_down(hosts.iter()).await;
    }
    rest
}

/// What is ready before the targets: the source side and the run's files.
struct Early {
    scenario: Scenario,
    source: Arc<dyn Engine>,
    source_info: EngineInfo,
    run_id: String,
    run_dir: PathBuf,
    record_files: (CsvAppender<OpRecord>, CsvAppender<SampleRow>),
    rounds_csv: Option<CsvAppender<RoundRow>>,
    image: String,
}

async fn prepare_targets(early: Early, up: Vec<TargetUp>) -> Result<Prepared, RunError> {
    let Early {
        scenario,
        source,
        source_info,
        run_id,
        run_dir,
        record_files,
        rounds_csv,
        image,
    } = early;
    let mut ready = Vec::new();
    for target in up {
        ready.push(targets_up::ready(&scenario, &run_id, (&source, &source_info), target).await?);
    }
    let checkpoint_root = scenario.checkpoint_dir.join(&run_id);
    std::fs::create_dir_all(&checkpoint_root)
        .map_err(io("cannot create checkpoint directory", &checkpoint_root))?;
    // A soak's way back stages on the source's side as the way there does on
    // the target's (a soak has one target).
    let return_staging_root = match (&ready[0].plan.staging_root, scenario.rounds) {
        (Some(_), 2..) => Some(
            source
                .staging_dir(&run_id)
                .await
                .map_err(|e| RunError::Environment(format!("source {e}")))?,
        ),
        _ => None,
    };
    let first = &ready[0];
    let mut environment = Environment::collect(
        source_info.clone(),
        first.info.clone(),
        first.budget.clone(),
        first.host.as_ref().map(|h| h.cgroup.as_str()),
    );
    environment.target_metrics = scenario.targets[0].metrics.as_ref().map(|m| m.url.clone());
    environment.targets = ready
        .iter()
        .map(|t| TargetEnvironment {
            name: t.plan.name.clone(),
            host: t.plan.host.clone(),
            budget: t.budget.clone(),
        })
        .collect();
    for target in &ready {
        let ship = !Arc::ptr_eq(&target.plan.engine, &source);
        environment.notes.extend(link_note(
            target.host.as_ref(),
            ship && !target.plan.transfer_in_restore,
        ));
    }
    let environment = serde_json::to_value(&environment).unwrap_or_default();
    let environment_path = run_dir.join(record::ENVIRONMENT_JSON);
    std::fs::write(
        &environment_path,
        serde_json::to_string_pretty(&environment).unwrap_or_default(),
    )
    .map_err(io("cannot write", &environment_path))?;
    Ok(Prepared {
        hosts: ready.iter().map(|t| t.host.clone()).collect(),
        plan: Arc::new(RunPlan {
            source_host: targets_up::host_label(&source_info, None),
            targets: ready.into_iter().map(|t| Arc::new(t.plan)).collect(),
            run_id,
            run_dir,
            scenario: Arc::new(scenario),
            source,
            image,
            checkpoint_root,
            return_staging_root,
        }),
        record_files: Some(record_files),
        rounds_csv,
        environment,
    })
}

/// The note for a run whose target has a network of its own that the
/// checkpoints did not cross (an engine that restores only from its own
/// store gets them copied into it on this machine): its link carried the
/// engine's API alone, so the transfer rows are local copies.
fn link_note(host: Option<&HostState>, copied_here: bool) -> Option<String> {
    let network = host?.network.as_ref()?;
    copied_here.then(|| {
        format!(
            "the target has a network of its own ({} at {}), but the checkpoints did not cross \
             it: they were copied into the target engine's store on this machine (transfer \
             rows are local copies); only the engine's API went over the link",
            network.address,
            crate::scenario::format_bits_per_s(network.bandwidth_bits_per_s)
        )
    })
}

/// The image phase: the source's image saved and loaded into each target
/// that is another engine, one row each.
pub async fn ship_image(ctx: &RunContext) {
    for (index, target) in ctx.targets.iter().enumerate() {
        if Arc::ptr_eq(&target.engine, &ctx.source) {
            continue;
        }
        ctx.live.set_phase(Phase::Image);
        let slot = Slot {
            target: Some(index),
            ..Slot::new(0, ctx.image.clone())
        };
        let timed = ctx
            .timed(image::ship_image(
                ctx.source.as_ref(),
                target.engine.as_ref(),
                &ctx.image,
            ))
            .await;
        let (mut row, bytes) = ctx.timed_row(ctx.row(Phase::Image, &slot), timed);
        row.bytes = bytes;
        ctx.emit(row);
    }
}

/// Removes the run's containers and directories; returns what failed.
pub async fn cleanup(ctx: &RunContext) -> Vec<String> {
    let mut errors = cleanup::remove_containers(ctx.source.as_ref(), Some(&ctx.run_id))
        .await
        .errors;
    for target in ctx.targets.iter() {
        if !Arc::ptr_eq(&target.engine, &ctx.source) {
            errors.extend(
                cleanup::remove_containers(target.engine.as_ref(), Some(&ctx.run_id))
                    .await
                    .errors,
            );
        }
    }
    let dirs = std::iter::once(Some(ctx.checkpoint_root.clone()))
        .chain(ctx.targets.iter().map(|t| t.staging_root.clone()))
        .chain(std::iter::once(ctx.return_staging_root.clone()));
    errors.extend(dirs.flatten().filter_map(|d| cleanup::remove_dir(&d).err()));
    errors
}

/// Keeps each emulated target's engine log in the run directory, then tears
/// them down.
pub async fn hosts_down(hosts: &[Option<HostState>], run_dir: &Path, names: &[String]) {
    let fleet = hosts.len() > 1;
    for (host, name) in hosts.iter().zip(names) {
        let Some(host) = host else { continue };
        let label = match fleet {
            true => format!("target-{name}"),
            false => "target".to_string(),
        };
        targets_up::host_down(host, run_dir, &label).await;
    }
}

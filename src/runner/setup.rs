//! Before and after the phases: engines checked, run directory and record
//! files created up front (a bad path fails before anything is measured),
//! the target brought up, the image shipped; and at the end, cleanup.

use super::cleanup;
use super::context::{RunContext, RunPlan, Slot};
use super::environment::{criu_version, Environment};
use super::run_options::{RunError, RunOptions};
use super::strategy_check::refuse_unsupported_strategy;
use crate::engine::{
    self, image, Check, ConnectOptions, Engine, EngineInfo, EngineKind, Intake, Role,
};
use crate::host::{self, HostSpec, HostState};
use crate::record::{self, CsvAppender, OpRecord, Phase, RoundRow, SampleRow};
use crate::scenario::{Scenario, TargetSpec, TransferMode};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Everything a run needs before its first phase.
pub struct Prepared {
    /// What every operation reads (see [`RunPlan`]).
    pub plan: Arc<RunPlan>,
    /// The target is another engine: the image must be shipped to it.
    pub ship_image: bool,
    /// ops.csv and samples.csv, created up front; taken by the recorder.
    pub record_files: Option<(CsvAppender<OpRecord>, CsvAppender<SampleRow>)>,
    /// rounds.csv, created up front for a soak; taken by the rounds.
    pub rounds_csv: Option<CsvAppender<RoundRow>>,
    pub host: Option<HostState>,
    pub budget: Option<HostSpec>,
    pub environment: serde_json::Value,
}

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> RunError {
    let message = format!("{what} '{}'", path.display());
    move |e| RunError::Io(format!("{message}: {e}"))
}

/// How much longer than `timeout_s` the engine client waits for an answer: the
/// run's own timeout fires first, so a hang is always a `timeout` row.
const API_TIMEOUT_MARGIN: Duration = Duration::from_secs(10);

/// Connects to an engine and checks it is ready for its `role` (its own
/// readiness checks: mode, runtime, data root); the client waits for any one
/// answer a little longer than the scenario's operation timeout. `options`:
/// the budget an emulated host's containers belong to, SSH access, and how
/// checkpoints reach the engine's store.
pub async fn connect_checked(
    kind: EngineKind,
    endpoint: &str,
    role: Role,
    options: &ConnectOptions,
    op_timeout: Duration,
) -> Result<(Arc<dyn Engine>, EngineInfo), RunError> {
    let name = match role {
        Role::Source => "source",
        Role::Target => "target",
    };
    let not_ready = |e: crate::engine::EngineError| RunError::Environment(format!("{name} {e}"));
    let engine = engine::open(kind, endpoint, op_timeout + API_TIMEOUT_MARGIN, options)
        .await
        .map_err(not_ready)?;
    let info = engine.info().await.map_err(not_ready)?;
    if let Some(refusal) = engine.readiness(role).await.iter().find_map(Check::refusal) {
        return Err(RunError::Environment(format!(
            "{name} {kind} engine '{endpoint}' is not ready: {refusal}"
        )));
    }
    Ok((engine, info))
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
    if let Some(endpoint) = scenario.targets[0].endpoint() {
        // Checked before anything is created, so a dead target leaves nothing.
        if endpoint != scenario.source_endpoint {
            let kind = scenario.target_engine;
            let reach = super::engine_options::target(&scenario, endpoint, None)?;
            let (target, _) =
                connect_checked(kind, endpoint, Role::Target, &reach, scenario.op_timeout).await?;
            refuse_unsupported_strategy(target.as_ref(), scenario.strategy, "target").await?;
        }
    }
    if let Some(metrics) = &scenario.targets[0].metrics {
        // Without them the target's pressure and swap rules cannot judge.
        crate::sampler::node_exporter::scrape(&metrics.url)
            .await
            .map_err(|e| RunError::Environment(format!("target metrics: {e}")))?;
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

    let (host, budget) = match &scenario.targets[0].spec {
        TargetSpec::Emulated(emulated) => {
            let spec = HostSpec {
                name: super::owner::host_name(),
                memory_bytes: emulated.memory.as_u64(),
                swap_bytes: emulated.swap.as_u64(),
                cpus: emulated.cpus,
                os_reserve_bytes: emulated.os_reserve.as_u64(),
                // Checkpoints stream into it over SSH.
                ssh: scenario.transfer_mode == TransferMode::Ssh,
                bandwidth_bits_per_s: emulated.network.map(|n| n.bandwidth.bits_per_s()),
            };
            let host = host::up(spec.clone(), scenario.target_engine)
                .await
                .map_err(|e| {
                    RunError::Environment(format!("cannot bring the emulated target up: {e}"))
                })?;
            (Some(host), Some(spec))
        }
        TargetSpec::Endpoint(_) => (None, None),
    };
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
    let rest = prepare_target(early, host.clone(), budget).await;
    if rest.is_err() {
        if let Some(host) = &host {
            // The run never started: nothing of this host is worth keeping.
            let _ = host::down_state(host).await;
        }
    }
    rest
}

/// What is ready before the target: the source side and the run's files.
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

async fn prepare_target(
    early: Early,
    host: Option<HostState>,
    budget: Option<HostSpec>,
) -> Result<Prepared, RunError> {
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
    let target_endpoint = match (&host, scenario.targets[0].endpoint()) {
        (Some(host), _) => host.endpoint(),
        (None, Some(endpoint)) => endpoint.to_string(),
        (None, None) => scenario.source_endpoint.clone(),
    };
    let same_engine = target_endpoint == scenario.source_endpoint;
    let (target, target_info) = if same_engine {
        (source.clone(), source_info.clone())
    } else {
        let reach = super::engine_options::target(&scenario, &target_endpoint, host.as_ref())?;
        let kind = scenario.target_engine;
        connect_checked(
            kind,
            &target_endpoint,
            Role::Target,
            &reach,
            scenario.op_timeout,
        )
        .await?
    };
    let checkpoint_root = scenario.checkpoint_dir.join(&run_id);
    std::fs::create_dir_all(&checkpoint_root)
        .map_err(io("cannot create checkpoint directory", &checkpoint_root))?;
    // The target says how checkpoints reach it: into a directory it names
    // (a transfer of its own), or inside each restore.
    let intake = target.capabilities().intake;
    let staging_root = match (same_engine, scenario.transfer_mode, intake) {
        (false, TransferMode::Copy, Intake::Staged) => Some(
            target
                .staging_dir(&run_id)
                .await
                .map_err(|e| RunError::Environment(format!("target {e}")))?,
        ),
        _ => None,
    };
    // A soak's way back stages on the source's side as the way there does on the target's.
    let return_staging_root = match (&staging_root, scenario.rounds) {
        (Some(_), 2..) => Some(
            source
                .staging_dir(&run_id)
                .await
                .map_err(|e| RunError::Environment(format!("source {e}")))?,
        ),
        _ => None,
    };
    let mut environment = Environment::collect(
        source_info.clone(),
        target_info.clone(),
        budget.clone(),
        host.as_ref().map(|h| h.cgroup.as_str()),
    );
    environment.target_metrics = scenario.targets[0].metrics.as_ref().map(|m| m.url.clone());
    // Another engine whose intake is its restore takes the checkpoint there:
    // as the restore request's body (copy), or streamed over SSH into the
    // clone's store (ssh). A shared directory hands over only a path.
    let transfer_in_restore = !same_engine
        && intake == Intake::InRestore
        && matches!(
            scenario.transfer_mode,
            TransferMode::Copy | TransferMode::Ssh
        );
    let ship_image = !same_engine;
    environment
        .notes
        .extend(link_note(host.as_ref(), ship_image && !transfer_in_restore));
    let environment = serde_json::to_value(&environment).unwrap_or_default();
    let environment_path = run_dir.join(record::ENVIRONMENT_JSON);
    std::fs::write(
        &environment_path,
        serde_json::to_string_pretty(&environment).unwrap_or_default(),
    )
    .map_err(io("cannot write", &environment_path))?;
    Ok(Prepared {
        plan: Arc::new(RunPlan {
            source_host: host_label(&source_info, None),
            target_host: host_label(&target_info, host.as_ref()),
            run_id,
            run_dir,
            scenario: Arc::new(scenario),
            source,
            target,
            image,
            checkpoint_root,
            transfer_in_restore,
            staging_root,
            return_staging_root,
            link: host
                .as_ref()
                .and_then(|h| Some((h.network.clone()?, h.spec.name.clone()))),
        }),
        ship_image,
        record_files: Some(record_files),
        rounds_csv,
        host,
        budget,
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

fn host_label(info: &EngineInfo, host: Option<&HostState>) -> String {
    match host {
        Some(host) => format!("emulated:{}", host.spec.name),
        None => info.endpoint.clone(),
    }
}

/// The image phase: the source's image saved and loaded into the target.
pub async fn ship_image(ctx: &RunContext, ship: bool) {
    if !ship {
        return;
    }
    ctx.live.set_phase(Phase::Image);
    let slot = Slot::new(0, ctx.image.clone());
    let timed = ctx
        .timed(image::ship_image(
            ctx.source.as_ref(),
            ctx.target.as_ref(),
            &ctx.image,
        ))
        .await;
    let (mut row, bytes) = ctx.timed_row(ctx.row(Phase::Image, &slot), timed);
    row.bytes = bytes;
    ctx.emit(row);
}

/// Removes the run's containers and directories; returns what failed.
pub async fn cleanup(ctx: &RunContext) -> Vec<String> {
    let mut errors = cleanup::remove_containers(ctx.source.as_ref(), Some(&ctx.run_id))
        .await
        .errors;
    if ctx.source_host != ctx.target_host {
        errors.extend(
            cleanup::remove_containers(ctx.target.as_ref(), Some(&ctx.run_id))
                .await
                .errors,
        );
    }
    let dirs = [
        Some(ctx.checkpoint_root.clone()),
        ctx.staging_root.clone(),
        ctx.return_staging_root.clone(),
    ];
    errors.extend(
        dirs.iter()
            .flatten()
            .filter_map(|d| cleanup::remove_dir(d).err()),
    );
    errors
}

/// Keeps the emulated target's engine log in the run directory, then tears it down.
pub async fn host_down(host: &HostState, run_dir: &Path) {
    // Its engine may have been restarted during the run: the saved state has the new pid.
    let saved = HostState::load(&host.spec.name).ok().flatten();
    let host = saved.as_ref().unwrap_or(host);
    let kept = run_dir.join(format!("target-{}", host.log_name()));
    let _ = std::fs::copy(host.log_file(), kept);
    if let Some(log) = host::ssh_log(host) {
        let _ = std::fs::copy(log, run_dir.join("target-sshd.log"));
    }
    if let Err(e) = host::down_state(host).await {
        tracing::error!("tearing down emulated host '{}': {e}", host.spec.name);
    }
}

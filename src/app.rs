//! The application edge: converts the command line into calls, and every
//! outcome into a documented exit code (see README "Exit codes").

use crate::cli::{Cli, Command, HostCommand, ImageCommand, RunArgs};
use crate::engine::{self, image};
use crate::host::{self, HostSpec};
use crate::runner::{self, RunError, RunOptions, RunReport};
use crate::summary::Ending;
use anyhow::Context;
use tokio_util::sync::CancellationToken;

/// Exit codes.
pub mod exit {
    /// Everything migrated and verified (a collapse found under the guard is a result, not a failure).
    pub const SUCCESS: u8 = 0;
    /// An unexpected error (I/O on the results directory, a bug).
    pub const INTERNAL: u8 = 1;
    /// Bad input: scenario file, override or command line.
    pub const BAD_INPUT: u8 = 2;
    /// The environment is not ready: engine, CRIU, cgroups (`migbench doctor` says what to do).
    pub const NOT_READY: u8 = 3;
    use crate::summary::RunVerdict;
    /// The run finished, but operations failed or states were lost before any collapse.
    pub const FAILURES: u8 = RunVerdict::Failures.exit_code();
    /// The run finished, and a `[thresholds]` limit was breached (takes precedence over 4).
    pub const THRESHOLDS: u8 = RunVerdict::ThresholdsBreached.exit_code();
    /// The run did not finish (killed or crashed): `report` on a run without its summary.
    pub const INCOMPLETE: u8 = RunVerdict::Incomplete.exit_code();
    /// The harness's own machine stopped the run (sampler lag, its memory floor):
    /// the target was not judged.
    pub const INCONCLUSIVE: u8 = RunVerdict::Inconclusive.exit_code();
    /// Interrupted by SIGINT / SIGTERM (after cleanup).
    pub const INTERRUPTED: u8 = RunVerdict::Interrupted.exit_code();
}

/// An error with the exit code it maps to.
#[derive(Debug)]
pub struct AppError {
    pub code: u8,
    pub error: anyhow::Error,
}

impl AppError {
    fn new(code: u8, error: impl Into<anyhow::Error>) -> AppError {
        AppError {
            code,
            error: error.into(),
        }
    }
}

fn internal(error: impl Into<anyhow::Error>) -> AppError {
    AppError::new(exit::INTERNAL, error)
}

pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "migbench=debug,warn",
        _ => "migbench=trace,info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("MIGBENCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// How long `image build` waits for the engine's answer to one request.
const IMAGE_API_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<u8, AppError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .map_err(internal)?;
    runtime.block_on(dispatch(cli.command))
}

async fn dispatch(command: Command) -> Result<u8, AppError> {
    match command {
        Command::Run(args) => run_scenario(args).await,
        Command::Report { run_dir } => {
            let summary = crate::report::rebuild(&run_dir).map_err(internal)?;
            println!("{}", crate::report::console_table(&summary));
            println!(
                "report: {}",
                run_dir.join(crate::report::REPORT_MD).display()
            );
            // The run's own exit code: an incomplete run is not a success.
            Ok(summary.verdict.exit_code())
        }
        Command::Compare { run_dirs, out } => {
            let table = crate::report::compare(&run_dirs, &out).map_err(internal)?;
            println!("{table}");
            Ok(exit::SUCCESS)
        }
        Command::Host(command) => host_command(command).await,
        Command::Image(ImageCommand::Build {
            engine: kind,
            endpoint,
        }) => {
            let endpoint = endpoint.unwrap_or_else(|| kind.default_endpoint().to_string());
            let engine = runner::open_engine(kind, &endpoint, IMAGE_API_TIMEOUT)
                .await
                .map_err(|e| AppError::new(exit::NOT_READY, e))?;
            let (tag, state) = image::ensure_image(engine.as_ref())
                .await
                .map_err(|e| AppError::new(exit::NOT_READY, e))?;
            println!(
                "{tag} ({})",
                if state == image::ImageState::Built {
                    "built"
                } else {
                    "already present"
                }
            );
            Ok(exit::SUCCESS)
        }
        Command::Doctor {
            engine,
            endpoint,
            metrics,
        } => {
            let endpoint = endpoint.unwrap_or_else(|| engine.default_endpoint().to_string());
            let mut report = crate::doctor::check(engine, &endpoint).await;
            if let Some(url) = metrics {
                report.checks.push(crate::doctor::check_metrics(&url).await);
            }
            println!("{report}");
            Ok(if report.ready() {
                exit::SUCCESS
            } else {
                exit::NOT_READY
            })
        }
        Command::Clean { engine, endpoint } => {
            let engines: Vec<(engine::EngineKind, String)> = match engine {
                Some(kind) => vec![(
                    kind,
                    endpoint.unwrap_or_else(|| kind.default_endpoint().to_string()),
                )],
                None => engine::EngineKind::ALL
                    .iter()
                    .map(|k| (*k, k.default_endpoint().to_string()))
                    .collect(),
            };
            let lines = crate::doctor::clean(&engines).await;
            for line in &lines {
                println!("{line}");
            }
            Ok(exit::SUCCESS)
        }
    }
}

async fn run_scenario(args: RunArgs) -> Result<u8, AppError> {
    let points = crate::scenario::load_grid(&args.scenario, &args.overrides)
        .map_err(|e| AppError::new(exit::BAD_INPUT, e))?;
    preflight(&args.scenario, &points)?;
    let interrupt = CancellationToken::new();
    let current_run_dir = runner::CurrentRunDir::default();
    tokio::spawn(watch_signals(interrupt.clone(), current_run_dir.clone()));
    let options = RunOptions {
        results_dir: args.results.clone(),
        fail_fast: args.fail_fast,
        current_run_dir,
    };
    let sweep = points.len() > 1;
    let mut run_dirs = Vec::new();
    let mut code = exit::SUCCESS;
    for (i, scenario) in points.into_iter().enumerate() {
        if interrupt.is_cancelled() {
            break;
        }
        if sweep {
            println!("sweep point {}: {}", i + 1, scenario.name);
        }
        // Each point is its own run, with its own target brought up and torn down.
        let report = runner::run(scenario, options.clone(), interrupt.clone())
            .await
            .map_err(|e| match e {
                RunError::Environment(_) => AppError::new(exit::NOT_READY, e),
                other => internal(other),
            })?;
        crate::report::write_all(&report.run_dir, &report.summary);
        println!("{}", crate::report::console_table(&report.summary));
        println!("run directory: {}", report.run_dir.display());
        code = code.max(exit_code(&report));
        run_dirs.push(report.run_dir);
    }
    if sweep && run_dirs.len() > 1 {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let out = args
            .results
            .join(format!("sweep-{stamp}-{}", std::process::id()));
        let table = crate::report::compare(&run_dirs, &out).map_err(internal)?;
        println!("{table}");
    }
    Ok(code)
}

/// Every point against this machine, before anything is created or contacted.
fn preflight(path: &std::path::Path, points: &[crate::scenario::Scenario]) -> Result<(), AppError> {
    for (i, point) in points.iter().enumerate() {
        if let Err(e) = crate::preflight::check_scenario(path, point) {
            let error = anyhow::Error::new(e);
            let error = match points.len() {
                1 => error,
                total => error.context(format!(
                    "sweep point {} of {total} ('{}')",
                    i + 1,
                    point.name
                )),
            };
            return Err(AppError::new(exit::BAD_INPUT, error));
        }
    }
    Ok(())
}

/// summary.json from the CSVs as they are; charts and report.md are left to `report`.
fn record_in_a_hurry(run_dir: &std::path::Path) {
    let why = "interrupted twice: exited at once, without cleanup (`migbench clean` removes the leftovers)";
    match crate::report::rebuild_summary(run_dir, (Ending::Interrupted, why)) {
        Ok(_) => eprintln!(
            "summary written; `migbench report {}` draws the charts",
            run_dir.display()
        ),
        Err(e) => eprintln!("summary not written: {e:#}"),
    }
}

fn exit_code(report: &RunReport) -> u8 {
    let summary = &report.summary;
    if report.interrupted {
        return exit::INTERRUPTED;
    }
    // The same verdict `migbench report` rebuilds from the records.
    summary.verdict.exit_code()
}

/// First SIGINT/SIGTERM: stop starting operations, clean up, record. Second:
/// write summary.json from the rows on disk and exit now, cleanup left to `clean`.
async fn watch_signals(interrupt: CancellationToken, current_run_dir: runner::CurrentRunDir) {
    use tokio::signal::unix::{signal, SignalKind};
    // Both listeners live across iterations, so a second signal arriving right
    // after the first is not lost between them.
    let (Ok(mut interrupt_signal), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return;
    };
    for count in 0.. {
        tokio::select! {
            _ = interrupt_signal.recv() => {}
            _ = terminate.recv() => {}
        }
        if count == 0 {
            eprintln!("interrupted: finishing in-flight operations, then cleaning up (again to exit at once)");
            interrupt.cancel();
        } else {
            eprintln!("interrupted again: exiting now; every row written so far is on disk");
            let run_dir = current_run_dir.lock().ok().and_then(|dir| dir.clone());
            if let Some(run_dir) = run_dir {
                record_in_a_hurry(&run_dir);
            }
            eprintln!("`migbench clean` removes the containers and hosts this run leaves behind");
            std::process::exit(i32::from(exit::INTERRUPTED));
        }
    }
}

async fn host_command(command: HostCommand) -> Result<u8, AppError> {
    match command {
        HostCommand::Up {
            name,
            memory,
            swap,
            cpus,
            engine,
            os_reserve,
            ssh,
            bandwidth,
        } => {
            let spec = HostSpec {
                name,
                memory_bytes: memory.as_u64(),
                swap_bytes: swap.as_u64(),
                cpus,
                os_reserve_bytes: os_reserve.as_u64(),
                ssh,
                bandwidth_bits_per_s: bandwidth.map(crate::scenario::Bandwidth::bits_per_s),
            };
            crate::preflight::check_host(&spec).map_err(|e| AppError::new(exit::BAD_INPUT, e))?;
            let state = host::up(spec, engine).await.map_err(|e| match e {
                host::HostError::BadName(_) | host::HostError::Budget(_) => {
                    AppError::new(exit::BAD_INPUT, e)
                }
                e => AppError::new(exit::NOT_READY, e),
            })?;
            println!("{} is up: endpoint {}", state.spec.name, state.endpoint());
            if let Some(net) = &state.network {
                println!(
                    "  network namespace {} (nsenter --net={}), link {} <-> {} at {}",
                    net.netns,
                    net.netns_path().display(),
                    net.peer_address,
                    net.address,
                    crate::scenario::format_bits_per_s(net.bandwidth_bits_per_s)
                );
            }
            if let Some(access) = host::ssh_access(&state) {
                // A host with a network of its own serves its engine on TCP only.
                let over_ssh = match &state.network {
                    Some(_) => String::new(),
                    None => format!(
                        "; its engine over SSH: ssh://{}{}",
                        access.destination,
                        state.socket().display()
                    ),
                };
                println!(
                    "ssh: {} (key {}){over_ssh}",
                    access.destination,
                    access.identity.unwrap_or_default().display(),
                );
            }
            Ok(exit::SUCCESS)
        }
        HostCommand::Restart { name } => {
            let state = host::restart(&name).await.map_err(|e| match e {
                host::HostError::Unknown(_) | host::HostError::BadName(_) => {
                    AppError::new(exit::BAD_INPUT, e)
                }
                e => AppError::new(exit::NOT_READY, e),
            })?;
            println!("{name} restarted: endpoint {}", state.endpoint());
            Ok(exit::SUCCESS)
        }
        HostCommand::Down { name } => {
            host::down(&name)
                .await
                .map_err(|e| AppError::new(exit::BAD_INPUT, e))?;
            println!("{name} is down");
            Ok(exit::SUCCESS)
        }
        HostCommand::Ls => {
            let hosts = host::list().map_err(internal)?;
            match crate::cgroup::system() {
                Ok(backend) => println!("cgroup backend: {}", backend.mode()),
                Err(e) => println!("cgroup backend: none ({e})"),
            }
            if hosts.is_empty() {
                println!("no emulated hosts");
            }
            for h in hosts {
                let network = h.network.as_ref().map_or_else(
                    || "-".to_string(),
                    |n| {
                        format!(
                            "{} {}",
                            n.address,
                            crate::scenario::format_bits_per_s(n.bandwidth_bits_per_s)
                        )
                    },
                );
                println!(
                    "{:<12} memory {:>9} swap {:>9} cpus {:<5} net {:<22} {} {:<5} {}",
                    h.spec.name,
                    bytesize::ByteSize(h.spec.memory_bytes).to_string(),
                    bytesize::ByteSize(h.spec.swap_bytes).to_string(),
                    h.spec
                        .cpus
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| "-".into()),
                    network,
                    h.engine,
                    if h.engine_alive() { "up" } else { "dead" },
                    h.endpoint()
                        + &host::ssh_access(&h)
                            .map(|a| format!(" ssh {}", a.destination))
                            .unwrap_or_default()
                );
            }
            Ok(exit::SUCCESS)
        }
    }
}

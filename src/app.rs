//! The application edge: converts the command line into calls, and every
//! outcome into a documented exit code (see README "Exit codes").

mod check_command;
mod console;
mod exit_code;
mod host_command;
mod run_command;
mod shell_docs;

pub use console::{summary_table, verdict_line, Console};
pub use exit_code::{exit, AppError};

use crate::cli::{Cli, Command, ImageCommand};
use crate::engine::{self, image};
use crate::runner;
use anyhow::Context;
use exit_code::internal;
use host_command::host_command;
use run_command::run_scenario;

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
    let console = Console {
        quiet: cli.quiet,
        progress: !cli.quiet && !cli.no_progress,
    };
    runtime.block_on(dispatch(cli.command, console))
}

/// A run directory given on the command line, or bad input saying what it is not.
fn run_dir_arg(dir: &std::path::Path) -> Result<(), AppError> {
    if dir.join(crate::record::SCENARIO_TOML).is_file() {
        return Ok(());
    }
    Err(AppError::new(
        exit::BAD_INPUT,
        anyhow::anyhow!(
            "{} is not a migbench run directory (no {} in it): give a directory `migbench run` made, e.g. results/<scenario>-<time>",
            crate::quote::quote_path(dir),
            crate::record::SCENARIO_TOML
        ),
    ))
}

async fn dispatch(command: Command, console: Console) -> Result<u8, AppError> {
    match command {
        Command::Run(args) => run_scenario(args, console).await,
        Command::Check {
            scenario,
            overrides,
        } => check_command::check(&scenario, &overrides),
        Command::Completions { shell } => Ok(shell_docs::completions(shell)),
        Command::Man => shell_docs::man(),
        Command::Report { run_dir } => {
            run_dir_arg(&run_dir)?;
            let summary = crate::report::rebuild(&run_dir).map_err(internal)?;
            if console.quiet {
                println!("{}", verdict_line(&summary));
                return Ok(summary.verdict.exit_code());
            }
            println!("{}", summary_table(&summary, &run_dir));
            println!(
                "report: {}",
                run_dir.join(crate::report::REPORT_MD).display()
            );
            // The run's own exit code: an incomplete run is not a success.
            Ok(summary.verdict.exit_code())
        }
        Command::Compare {
            run_dirs,
            out,
            reference,
            export_json,
            export_csv,
        } => {
            for dir in run_dirs.iter().chain(&reference) {
                run_dir_arg(dir)?;
            }
            let outputs = crate::report::CompareOutputs {
                out,
                reference,
                export_json,
                export_csv,
            };
            let table = crate::report::compare(&run_dirs, &outputs).map_err(internal)?;
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
            json,
        } => {
            let endpoint = endpoint.unwrap_or_else(|| engine.default_endpoint().to_string());
            let mut report = crate::doctor::check(engine, &endpoint).await;
            if let Some(url) = metrics {
                report.checks.push(crate::doctor::check_metrics(&url).await);
            }
            if json {
                let text = serde_json::to_string_pretty(&report).map_err(internal)?;
                println!("{text}");
            } else {
                println!("{report}");
            }
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

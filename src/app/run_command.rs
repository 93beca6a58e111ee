//! `migbench run`: every sweep point through the runner, its console table,
//! its exports, and the signals that stop it.

use super::console::{summary_table, verdict_line, Console};
use super::exit_code::{exit, internal, AppError};
use crate::cli::RunArgs;
use crate::runner::{self, RunError, RunOptions, RunReport};
use crate::summary::Ending;
use anyhow::Context;
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;

/// Runs every point of the scenario; returns the worst exit code.
pub async fn run_scenario(args: RunArgs, console: Console) -> Result<u8, AppError> {
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
        progress: console.progress,
    };
    let sweep = points.len() > 1;
    let mut run_dirs = Vec::new();
    let mut code = exit::SUCCESS;
    for (i, scenario) in points.into_iter().enumerate() {
        if interrupt.is_cancelled() {
            break;
        }
        if sweep && !console.quiet {
            println!("sweep point {}: {}", i + 1, scenario.name);
        }
        let point_name = scenario.name.clone();
        // Each point is its own run, with its own target brought up and torn down.
        let report = runner::run(scenario, options.clone(), interrupt.clone())
            .await
            .map_err(|e| match e {
                RunError::Environment(_) => AppError::new(exit::NOT_READY, e),
                other => internal(other),
            })?;
        crate::report::write_all(&report.run_dir, &report.summary);
        if console.quiet {
            println!("{}", verdict_line(&report.summary));
        } else {
            println!("{}", summary_table(&report.summary, &report.run_dir));
            println!("run directory: {}", report.run_dir.display());
        }
        export(&args, &report.run_dir, sweep.then_some(point_name.as_str()))?;
        code = code.max(exit_code(&report));
        run_dirs.push(report.run_dir);
    }
    if sweep && run_dirs.len() > 1 {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let out = args
            .results
            .join(format!("sweep-{stamp}-{}", std::process::id()));
        let outputs = crate::report::CompareOutputs {
            out,
            ..Default::default()
        };
        let table = crate::report::compare(&run_dirs, &outputs).map_err(internal)?;
        if !console.quiet {
            println!("{table}");
        }
    }
    Ok(code)
}

/// Copies the run's summary, operations and report where `--export-*` asked
/// (a sweep point's name goes before the extension, so points do not
/// overwrite each other).
fn export(args: &RunArgs, run_dir: &Path, point: Option<&str>) -> Result<(), AppError> {
    let wanted = [
        (&args.export_json, crate::record::SUMMARY_JSON),
        (&args.export_csv, crate::record::OPS_CSV),
        (&args.export_markdown, crate::report::REPORT_MD),
    ];
    for (to, file) in wanted {
        let Some(to) = to else { continue };
        let to = match point {
            Some(name) => point_path(to, name),
            None => to.clone(),
        };
        std::fs::copy(run_dir.join(file), &to)
            .with_context(|| format!("cannot export {file} to '{}'", to.display()))
            .map_err(internal)?;
    }
    Ok(())
}

/// `out.json` -> `out-<point>.json`.
fn point_path(path: &Path, point: &str) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{point}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{point}"),
    };
    path.with_file_name(name)
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

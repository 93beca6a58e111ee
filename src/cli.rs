//! The command line (clap). It only describes input; `app` converts it.

use crate::engine::EngineKind;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Examples and exit codes, under every `--help`.
const AFTER_HELP: &str = "\
Examples:
  migbench check scenarios/400.toml             effective scenario and pre-flight, no engine
  migbench run scenarios/smoke.toml             the smoke scenario on the local Docker
  migbench run scenarios/smoke.toml --set source.engine=podman
  migbench run scenarios/400.toml --set guard.policy=observe --export-json out.json
  migbench report results/smoke-20261205T101500Z-1234
  migbench compare results/a results/b --results comparison

Scenario keys: README.md, \"Scenario files\" (every key, its default and range).

Exit codes:
  0    finished, collapse found, or hard failure found (the target was judged)
  1    internal error (a bug, results directory not writable)
  2    bad input (scenario, --set, command line, a budget this machine cannot give)
  3    environment not ready (engine, CRIU, cgroups: see `migbench doctor`)
  4    failures before any collapse
  5    thresholds breached
  6    incomplete (the run did not finish: killed or crashed)
  7    inconclusive (the harness's own machine stopped the run)
  130  interrupted (SIGINT, SIGTERM)";

/// Scale and stress benchmark for container live migration (CRIU under Docker or Podman).
#[derive(Debug, Parser)]
#[command(name = "migbench", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    /// More log output (-v: debug, -vv: trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Print only the verdict line and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// No progress bars or progress lines.
    #[arg(long, global = true)]
    pub no_progress: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario: launch, checkpoint, transfer, restore, verify, report.
    #[command(after_help = AFTER_HELP)]
    Run(RunArgs),
    /// Check a scenario without running it: the effective scenario (every
    /// default filled in), the sweep points and each point's pre-flight
    /// verdict. Contacts no engine; exits 0 or 2.
    Check {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Override a scenario field, as for `run` (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
    },
    /// Rebuild summary.json, charts and report.md of a run from its CSVs.
    Report {
        /// The run directory (results/<scenario>-<time>).
        run_dir: PathBuf,
    },
    /// Compare runs: a table (console and Markdown) and a chart.
    Compare {
        /// Two or more run directories.
        #[arg(required = true, num_args = 1..)]
        run_dirs: Vec<PathBuf>,
        /// Where to write compare.md and the chart (default: current directory).
        #[arg(long, visible_alias = "results", default_value = ".")]
        out: PathBuf,
        /// State every other run's figures as ratios to this run's.
        #[arg(long, value_name = "RUN_DIR")]
        reference: Option<PathBuf>,
        /// Also write the table as JSON here (one object per run).
        #[arg(long, value_name = "PATH")]
        export_json: Option<PathBuf>,
        /// Also write the table as CSV here.
        #[arg(long, value_name = "PATH")]
        export_csv: Option<PathBuf>,
    },
    /// Emulated memory-bounded target hosts.
    #[command(subcommand)]
    Host(HostCommand),
    /// The workload image.
    #[command(subcommand)]
    Image(ImageCommand),
    /// Check every prerequisite and say what to do about each failure.
    Doctor {
        /// Engine to check: docker, podman or runc.
        #[arg(long, default_value_t = EngineKind::default())]
        engine: EngineKind,
        /// Its endpoint (default: the engine's local one).
        #[arg(long)]
        endpoint: Option<String>,
        /// A remote target's node exporter (`http://HOST:PORT/metrics`): checks it answers.
        #[arg(long)]
        metrics: Option<String>,
        /// Print the checks as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove leftovers of any run: containers, checkpoints, emulated hosts.
    Clean {
        /// Engine to clean (default: every engine at its local endpoint).
        #[arg(long)]
        engine: Option<EngineKind>,
        /// Its endpoint (default: the engine's local one).
        #[arg(long, requires = "engine")]
        endpoint: Option<String>,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff) to standard output.
    Man,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Override a scenario field, e.g. --set checkpoint.pause_ms=0 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Directory under which the run directory is created.
    #[arg(long, default_value = "results")]
    pub results: PathBuf,
    /// Stop at the first failed operation (default: record it and go on).
    #[arg(long)]
    pub fail_fast: bool,
    /// Also write the summary (summary.json) here when the run ends.
    #[arg(long, value_name = "PATH")]
    pub export_json: Option<PathBuf>,
    /// Also write the operations (ops.csv) here when the run ends.
    #[arg(long, value_name = "PATH")]
    pub export_csv: Option<PathBuf>,
    /// Also write the report (report.md) here when the run ends.
    #[arg(long, value_name = "PATH")]
    pub export_markdown: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum HostCommand {
    /// Bring an emulated host up.
    Up {
        /// 1 to 12 lowercase letters, digits or '-'.
        name: String,
        /// RAM budget, e.g. 2GiB.
        #[arg(long)]
        memory: bytesize::ByteSize,
        /// Swap budget on top of the RAM, e.g. 1536MiB.
        #[arg(long, default_value = "0")]
        swap: bytesize::ByteSize,
        /// CPU quota in cores (default: none).
        #[arg(long)]
        cpus: Option<f64>,
        /// The host's engine: docker, podman or runc (no daemon: containers in the budget by cgroup).
        #[arg(long, default_value_t = EngineKind::default())]
        engine: EngineKind,
        /// Memory held inside --memory for a guest OS, e.g. 512MiB (default: none).
        #[arg(long, default_value = "0")]
        os_reserve: bytesize::ByteSize,
        /// Run an sshd for the host (migbench's own keys): checkpoints can
        /// then stream into it (transfer.mode = "ssh") and its engine be
        /// reached at ssh://root@ADDRESS:PORT/<its socket>.
        #[arg(long)]
        ssh: bool,
        /// A network of the host's own behind a link of this bandwidth, in
        /// tc's units, e.g. 100mbit (default: none, the machine's network).
        #[arg(long)]
        bandwidth: Option<crate::scenario::Bandwidth>,
    },
    /// Restart an emulated host's engine (its containers stop, as on a real host).
    Restart { name: String },
    /// Tear an emulated host down completely.
    Down { name: String },
    /// List emulated hosts.
    Ls {
        /// Print the hosts as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Build the workload image into an engine (no registry needed).
    Build {
        /// The engine: docker, podman or runc.
        #[arg(long, default_value_t = EngineKind::default())]
        engine: EngineKind,
        /// Its endpoint (default: the engine's local one).
        #[arg(long)]
        endpoint: Option<String>,
    },
}

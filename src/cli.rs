//! The command line (clap). It only describes input; `app` converts it.

use crate::engine::EngineKind;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Scale and stress benchmark for container live migration (CRIU under Docker or Podman).
#[derive(Debug, Parser)]
#[command(name = "migbench", version, about, long_about = None)]
pub struct Cli {
    /// More log output (-v: debug, -vv: trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario: launch, checkpoint, transfer, restore, verify, report.
    Run(RunArgs),
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
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Emulated memory-bounded target hosts.
    #[command(subcommand)]
    Host(HostCommand),
    /// The workload image.
    #[command(subcommand)]
    Image(ImageCommand),
    /// Check every prerequisite and say what to do about each failure.
    Doctor {
        /// Engine to check: docker or podman.
        #[arg(long, default_value_t = EngineKind::default())]
        engine: EngineKind,
        /// Its endpoint (default: the engine's local one).
        #[arg(long)]
        endpoint: Option<String>,
        /// A remote target's node exporter (`http://HOST:PORT/metrics`): checks it answers.
        #[arg(long)]
        metrics: Option<String>,
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
        /// The host's engine: docker or podman.
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
    Ls,
}

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Build the workload image into an engine (no registry needed).
    Build {
        /// The engine: docker or podman.
        #[arg(long, default_value_t = EngineKind::default())]
        engine: EngineKind,
        /// Its endpoint (default: the engine's local one).
        #[arg(long)]
        endpoint: Option<String>,
    },
}

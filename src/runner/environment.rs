//! The environment a run measured: machine, kernel, engines, CRIU, hosts.

use crate::engine::EngineInfo;
use crate::host::HostSpec;
use serde::Serialize;
use sysinfo::System;

/// Written to environment.json and embedded in summary.json.
#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    pub migbench_version: &'static str,
    pub hostname: String,
    pub kernel: String,
    pub os: String,
    pub cores: usize,
    pub memory_bytes: u64,
    pub swap_bytes: u64,
    pub criu_version: String,
    pub source: EngineInfo,
    pub target: EngineInfo,
    /// The emulated target's budget, if the target is emulated.
    pub target_budget: Option<HostSpec>,
    /// Where a remote target's resources were scraped (`[target] metrics`).
    pub target_metrics: Option<String>,
    /// The machine's cgroup backend (`v1`, `hybrid`, `v2`; null: none found).
    pub cgroup_backend: Option<crate::cgroup::Mode>,
    /// The file the PSI collapse rule read: an emulated target's own
    /// `memory.pressure` on cgroup v2, else the machine's /proc/pressure/memory.
    pub psi_rule_source: String,
    /// What the records cannot say themselves, known at set-up (e.g. a
    /// link the checkpoints did not cross): the summary's data notes
    /// start with them, live and when `report` rebuilds a run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Every target of the run (`target` and `target_budget` are the first's).
    pub targets: Vec<TargetEnvironment>,
}

/// One target of the run, as environment.json records it.
#[derive(Debug, Clone, Serialize)]
pub struct TargetEnvironment {
    pub name: String,
    /// How its rows name its host.
    pub host: String,
    /// Its emulated host's budget, if it is one.
    pub budget: Option<HostSpec>,
}

impl Environment {
    /// `target_cgroup`: the emulated target's cgroup, if any.
    pub fn collect(
        source: EngineInfo,
        target: EngineInfo,
        target_budget: Option<HostSpec>,
        target_cgroup: Option<&str>,
    ) -> Self {
        let backend = crate::cgroup::system().ok();
        let psi_rule_source = match (backend, target_cgroup) {
            (Some(backend), Some(cgroup)) => backend.memory_pressure_source(cgroup),
            _ => crate::cgroup::MACHINE_MEMORY_PRESSURE.into(),
        };
        let mut system = System::new();
        system.refresh_memory();
        Environment {
            migbench_version: env!("CARGO_PKG_VERSION"),
            hostname: System::host_name().unwrap_or_default(),
            kernel: System::kernel_version().unwrap_or_default(),
            os: System::long_os_version().unwrap_or_default(),
            cores: std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(1),
            memory_bytes: system.total_memory(),
            swap_bytes: system.total_swap(),
            criu_version: criu_version().unwrap_or_else(|| "not found".into()),
            source,
            target,
            target_budget,
            target_metrics: None,
            cgroup_backend: backend.map(|b| b.mode()),
            psi_rule_source: psi_rule_source.display().to_string(),
            notes: Vec::new(),
            targets: Vec::new(),
        }
    }
}

/// `criu --version`'s "Version: X" line, from the PATH runc would use.
pub fn criu_version() -> Option<String> {
    let output = std::process::Command::new("criu")
        .arg("--version")
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .output()
        .ok()?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Version:").map(|v| v.trim().to_string()))
}

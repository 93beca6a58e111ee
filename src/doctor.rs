//! `migbench doctor` (is this machine ready?) and `migbench clean` (remove
//! the leftovers of any run).

pub use crate::engine::Check;
use crate::engine::{Engine, EngineError, EngineKind, Role};
use crate::runner::{criu_version, live_host_owner, live_run_owner, remove_containers};
use std::fmt;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

/// All checks.
#[derive(serde::Serialize)]
pub struct DoctorReport {
    pub checks: Vec<Check>,
}

impl DoctorReport {
    pub fn ready(&self) -> bool {
        self.checks.iter().all(|c| c.ok || !c.required)
    }
}

impl fmt::Display for DoctorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.checks {
            let status = match (c.ok, c.required) {
                (true, _) => "ok  ",
                (false, true) => "FAIL",
                (false, false) => "warn",
            };
            writeln!(f, "[{status}] {:<28} {}", c.name, c.detail)?;
            if !c.ok {
                writeln!(f, "       -> {}", c.fix)?;
            }
        }
        write!(
            f,
            "{}",
            if self.ready() {
                "ready"
            } else {
                "NOT ready: fix the failures above"
            }
        )
    }
}

const PROVISION: &str = "run `sudo scripts/provision.sh` (installs and starts everything)";

/// How long doctor waits for the engine's answer to one request.
const DOCTOR_API_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

async fn open(kind: EngineKind, endpoint: &str) -> Result<Arc<dyn Engine>, EngineError> {
    crate::runner::open_engine(kind, endpoint, DOCTOR_API_TIMEOUT).await
}

/// Runs every check against the engine of `kind` at `endpoint`: the engine's
/// own readiness (as a migration target, which needs the most), then CRIU,
/// cgroups, PSI, swap and OpenSSH.
pub async fn check(kind: EngineKind, endpoint: &str) -> DoctorReport {
    let over_ssh = endpoint.starts_with("ssh://");
    let mut checks = match open(kind, endpoint).await {
        Ok(engine) => engine.readiness(Role::Target).await,
        Err(e) => vec![Check::required(
            "engine reachable",
            false,
            e.to_string(),
            if over_ssh {
                "the error above says what to do about the SSH connection"
            } else {
                PROVISION
            },
        )],
    };
    let version = criu_version();
    let major = version
        .as_deref()
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    checks.push(Check {
        name: "CRIU 4.x".into(),
        ok: major.is_some_and(|m| m >= 4),
        required: true,
        detail: version.unwrap_or_else(|| "not found on PATH".into()),
        fix: "Debian 12's criu 3.17 fails on this kernel: run scripts/provision.sh, which builds CRIU 4.x".into(),
    });
    let criu_check = Command::new("criu")
        .arg("check")
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .output();
    let (criu_ok, criu_detail) = match criu_check {
        Ok(out) => (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .last()
                .unwrap_or("")
                .to_string(),
        ),
        Err(e) => (false, e.to_string()),
    };
    checks.push(Check {
        name: "criu check".into(),
        ok: criu_ok,
        required: true,
        detail: criu_detail,
        fix: "run `criu check` to see what the kernel lacks; scripts/provision.sh installs a working CRIU".into(),
    });
    checks.extend(cgroup_checks());
    let psi = Path::new("/proc/pressure/memory").exists();
    checks.push(Check {
        name: "PSI (/proc/pressure)".into(),
        ok: psi,
        required: false,
        detail: if psi {
            "available".into()
        } else {
            "missing: the PSI collapse rule stays silent".into()
        },
        fix: "boot a kernel with CONFIG_PSI=y (psi=1)".into(),
    });
    let swap = std::fs::read_to_string("/proc/swaps")
        .map(|t| t.lines().count() > 1)
        .unwrap_or(false);
    checks.push(Check {
        name: "swap present".into(),
        ok: swap,
        required: false,
        detail: if swap {
            "yes".into()
        } else {
            "none (emulated hosts create a swap file when they need one)".into()
        },
        fix: "nothing to do unless you target a real host with swap".into(),
    });
    checks.extend(ssh_checks(over_ssh));
    DoctorReport { checks }
}

/// Whether a remote target's node exporter answers at `url` with the
/// families the sampler reads.
pub async fn check_metrics(url: &str) -> Check {
    let fix = "start `prometheus-node-exporter --web.listen-address=ADDR:PORT` on the target \
               (Debian: apt-get install prometheus-node-exporter), reachable from this machine";
    let detail = match crate::sampler::node_exporter::scrape(url).await {
        Ok(reading) => Ok(describe_reading(&reading)),
        Err(e) => Err(e.to_string()),
    };
    let ok = detail.is_ok();
    Check::required("target metrics", ok, detail.unwrap_or_else(|e| e), fix)
}

/// "memory 23.5 GiB, swap 0 B, CPU, pressure" (what was found), or what is missing.
fn describe_reading(reading: &crate::sampler::node_exporter::Reading) -> String {
    let size = |bytes: Option<u64>| {
        bytes.map_or("missing".to_string(), |b| bytesize::ByteSize(b).to_string())
    };
    let present = |found: bool| if found { "present" } else { "missing" };
    format!(
        "memory {}, swap {}, CPU counters {}, memory pressure {}",
        size(reading.mem_total_bytes),
        size(reading.swap_total_bytes),
        present(reading.cpu.is_some()),
        present(reading.memory_full_s.is_some()),
    )
}

/// OpenSSH's client (required for an `ssh://` endpoint, else for
/// `transfer.mode = "ssh"` only) and server (for emulated hosts' sshd).
fn ssh_checks(over_ssh: bool) -> [Check; 2] {
    let client = Command::new("ssh").arg("-V").output();
    let client_version = client
        .as_ref()
        .ok()
        .map(|out| String::from_utf8_lossy(&out.stderr).trim().to_string());
    let client_check = Check {
        name: "ssh (OpenSSH client)".into(),
        ok: client_version.is_some(),
        required: over_ssh,
        detail: client_version.unwrap_or_else(|| {
            "not found on PATH: ssh:// endpoints and transfer.mode = \"ssh\" need it".into()
        }),
        fix: "install openssh-client (scripts/provision.sh does)".into(),
    };
    let sshd = Path::new(crate::host::SSHD).exists();
    let server_check = Check {
        name: "sshd (OpenSSH server)".into(),
        ok: sshd,
        required: false,
        detail: if sshd {
            crate::host::SSHD.into()
        } else {
            "missing: `host up --ssh` and emulated targets with transfer.mode = \"ssh\" need it"
                .into()
        },
        fix:
            "install openssh-server (scripts/provision.sh does, without starting the system's sshd)"
                .into(),
    };
    [client_check, server_check]
}

/// Which cgroup backend emulated hosts use on this machine, and whether it
/// has what they need (they are optional: only emulated targets need them).
fn cgroup_checks() -> Vec<Check> {
    use crate::cgroup::Mode;
    let backend = match crate::cgroup::system() {
        Ok(backend) => backend,
        Err(e) => {
            return vec![Check::optional(
                "cgroup backend",
                false,
                e.to_string(),
                "emulated hosts need cgroup v1 (memory, cpu, cpuacct, swap accounting) \
                 or v2 (memory and cpu controllers, memory.swap.max)",
            )]
        }
    };
    let mode = match backend.mode() {
        Mode::V1 => "v1",
        Mode::Hybrid => "hybrid (v1 memory controller beside a cgroup2 tree): driven as v1",
        Mode::V2 => "v2 (unified): the PSI rule reads each host's own memory.pressure",
    };
    let mut checks = vec![Check::optional(
        "cgroup backend",
        true,
        format!("{mode}, at '{}'", backend.root().display()),
        "",
    )];
    checks.extend(backend.requirements().into_iter().map(|need| Check {
        name: need.name,
        ok: need.ok,
        required: false,
        detail: need.detail,
        fix: need.fix,
    }));
    checks
}

/// Removes every migbench container on `endpoint`, every emulated host (and
/// its sshd and keys), swap files whose host is gone, SSH tunnels whose
/// migbench is gone, and checkpoint and staging directories, except those of
/// runs still going; returns one line per action.
pub async fn clean(engines: &[(EngineKind, String)]) -> Vec<String> {
    let mut lines = crate::ssh::clean_orphans();
    for host in crate::host::list().unwrap_or_default() {
        if let Some(pid) = live_host_owner(&host.spec.name) {
            lines.push(format!(
                "emulated host '{}' belongs to a run still going (pid {pid}): left alone",
                host.spec.name
            ));
            continue;
        }
        match crate::host::down_state(&host).await {
            Ok(()) => lines.push(format!("emulated host '{}' torn down", host.spec.name)),
            Err(e) => lines.push(format!("emulated host '{}': {e}", host.spec.name)),
        }
    }
    // Swap files no host state names any more (a run killed while creating one).
    lines.extend(crate::host::remove_orphan_swap_files(|name| {
        live_host_owner(name).is_some()
    }));
    // Namespaces and links no host state names any more.
    lines.extend(crate::host::remove_orphan_networks(|name| {
        live_host_owner(name).is_some()
    }));
    // runc's state of stopped containers of Podman hosts that are gone.
    lines.extend(crate::host::remove_orphan_runtime_state(|name| {
        live_host_owner(name).is_some()
    }));
    for (kind, endpoint) in engines {
        lines.extend(clean_engine(*kind, endpoint).await);
    }
    remove_children(Path::new("/var/lib/migbench/checkpoints"), &mut lines);
    lines
}

fn is_live_run(run_id: &str) -> bool {
    live_run_owner(run_id).is_some()
}

/// Removes the containers of runs no longer going from one engine, and what
/// those runs left in its store.
async fn clean_engine(kind: EngineKind, endpoint: &str) -> Vec<String> {
    let engine = match open(kind, endpoint).await {
        Ok(engine) => engine,
        Err(e) => return vec![e.to_string()],
    };
    if let Err(e) = engine.info().await {
        return vec![format!("{kind}: {e}")];
    }
    let removal = remove_containers(engine.as_ref(), None).await;
    let mut lines = vec![format!(
        "{} container(s) removed from {kind} at {endpoint}",
        removal.removed
    )];
    if removal.spared > 0 {
        lines.push(format!(
            "{} container(s) of runs still going left alone",
            removal.spared
        ));
    }
    lines.extend(removal.errors);
    lines.extend(engine.clean_leftovers(is_live_run).await);
    lines
}

fn remove_children(dir: &Path, lines: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if let Some(pid) = live_run_owner(&entry.file_name().to_string_lossy()) {
            lines.push(format!(
                "'{}' belongs to a run still going (pid {pid}): left alone",
                entry.path().display()
            ));
            continue;
        }
        match std::fs::remove_dir_all(entry.path()) {
            Ok(()) => lines.push(format!("removed '{}'", entry.path().display())),
            Err(e) => lines.push(format!("cannot remove '{}': {e}", entry.path().display())),
        }
    }
}

//! `migbench doctor` (is this machine ready?) and `migbench clean` (remove
//! the leftovers of any run).

use crate::engine::{DockerEngine, Engine, RUN_LABEL};
use crate::runner::{criu_version, live_host_owner, live_run_owner, remove_containers};
use std::fmt;
use std::path::Path;
use std::process::Command;

/// One prerequisite.
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    /// Required for a run (otherwise only a warning).
    pub required: bool,
    pub detail: String,
    /// What to do when it fails.
    pub fix: &'static str,
}

/// All checks.
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

/// Runs every check against the engine at `endpoint`.
pub async fn check(endpoint: &str) -> DoctorReport {
    let mut checks = Vec::new();
    let info = match DockerEngine::connect(endpoint) {
        Ok(engine) => engine.info().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    checks.push(Check {
        name: "engine reachable",
        ok: info.is_ok(),
        required: true,
        detail: match &info {
            Ok(i) => format!("Docker {} at {endpoint}", i.server_version),
            Err(e) => e.clone(),
        },
        fix: PROVISION,
    });
    let experimental = info.as_ref().is_ok_and(|i| i.experimental);
    checks.push(Check {
        name: "engine experimental mode",
        ok: experimental,
        required: true,
        detail: if experimental { "on".into() } else { "off or unknown (checkpoint needs it)".into() },
        fix: "add {\"experimental\": true} to /etc/docker/daemon.json and restart dockerd (provision.sh does)",
    });
    let version = criu_version();
    let major = version
        .as_deref()
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    checks.push(Check {
        name: "CRIU 4.x",
        ok: major.is_some_and(|m| m >= 4),
        required: true,
        detail: version.unwrap_or_else(|| "not found on PATH".into()),
        fix: "Debian 12's criu 3.17 fails on this kernel: run scripts/provision.sh, which builds CRIU 4.x",
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
        name: "criu check",
        ok: criu_ok,
        required: true,
        detail: criu_detail,
        fix: "run `criu check` to see what the kernel lacks; scripts/provision.sh installs a working CRIU",
    });
    let memsw = Path::new("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes").exists();
    checks.push(Check {
        name: "cgroup v1 memory + swap",
        ok: memsw,
        required: false,
        detail: if memsw {
            "memory.memsw.* present".into()
        } else {
            "missing".into()
        },
        fix: "emulated hosts need cgroup v1 with swap accounting (boot with swapaccount=1)",
    });
    let psi = Path::new("/proc/pressure/memory").exists();
    checks.push(Check {
        name: "PSI (/proc/pressure)",
        ok: psi,
        required: false,
        detail: if psi {
            "available".into()
        } else {
            "missing: the PSI collapse rule stays silent".into()
        },
        fix: "boot a kernel with CONFIG_PSI=y (psi=1)",
    });
    let swap = std::fs::read_to_string("/proc/swaps")
        .map(|t| t.lines().count() > 1)
        .unwrap_or(false);
    checks.push(Check {
        name: "swap present",
        ok: swap,
        required: false,
        detail: if swap {
            "yes".into()
        } else {
            "none (emulated hosts create a swap file when they need one)".into()
        },
        fix: "nothing to do unless you target a real host with swap",
    });
    checks.push(litter_check());
    DoctorReport { checks }
}

/// containerd's checkpoint copies left in /tmp by past restores.
fn litter_check() -> Check {
    let litter = crate::engine::litter::survey();
    Check {
        name: "restore litter in /tmp",
        ok: litter.migbench_count == 0,
        required: false,
        detail: format!(
            "{} checkpoint copies left by containerd ({}), {} of them of migbench workloads",
            litter.count,
            bytesize::ByteSize(litter.bytes),
            litter.migbench_count
        ),
        fix: "`migbench clean` removes those of runs no longer going",
    }
}

/// Removes every migbench container on `endpoint`, every emulated host, swap
/// files whose host is gone, and checkpoint and staging directories, except
/// those of runs still going; returns one line per action.
pub async fn clean(endpoint: &str) -> Vec<String> {
    let mut lines = Vec::new();
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
    match DockerEngine::connect(endpoint) {
        Ok(engine) => {
            let removal = remove_containers(&engine, None).await;
            lines.push(format!(
                "{} container(s) removed from {endpoint}",
                removal.removed
            ));
            if removal.spared > 0 {
                lines.push(format!(
                    "{} container(s) of runs still going left alone",
                    removal.spared
                ));
            }
            lines.extend(removal.errors);
            if let Ok(info) = engine.info().await {
                remove_children(&info.data_root.join("migbench-incoming"), &mut lines);
            }
            lines.extend(remove_restore_litter(&engine).await);
        }
        Err(e) => lines.push(e.to_string()),
    }
    remove_children(Path::new("/var/lib/migbench/checkpoints"), &mut lines);
    lines
}

/// containerd's checkpoint copies of runs no longer going (a run still going
/// is known by its containers on the engine).
async fn remove_restore_litter(engine: &dyn Engine) -> Vec<String> {
    let live_ids: Vec<String> = match engine.list_labelled(RUN_LABEL, None).await {
        Ok(containers) => containers
            .into_iter()
            .filter(|c| live_run_owner(&c.label_value).is_some())
            .map(|c| c.id)
            .collect(),
        // Without the list a live run's copies cannot be told apart: keep all.
        Err(e) => return vec![format!("restore litter left alone: {e}")],
    };
    tokio::task::spawn_blocking(move || crate::engine::litter::remove_unused(&live_ids))
        .await
        .unwrap_or_default()
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

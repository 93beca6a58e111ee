//! cgroup v2 (unified): the host's cgroup `<root>/<name>` holds the budget
//! (`memory.max`, `memory.swap.max`, `cpu.max`) and hands its controllers to
//! its children. A v2 cgroup that does so may hold no process itself (the
//! "no internal processes" rule; runc also writes every controller into each
//! ancestor's `cgroup.subtree_control` and fails on one that holds
//! processes), so the host's own processes live in leaves beside the
//! containers' cgroups:
//!
//! ```text
//! <root>/<name>/engine       the engine, containerd, shims (Member::Engine)
//! <root>/<name>/os-reserve   the guest-OS reserve (Member::Reserve)
//! <root>/<name>/<id>         a Docker container; libpod-<id>, conmon for Podman
//! ```

use super::cgroup_budget::{Budget, Member, Requirement};
use super::cgroup_error::{io_error, CgroupError};
use super::cgroup_reading::{count_containers, field, number, CgroupReading, Footprint};
use super::psi::Psi;
use std::path::{Path, PathBuf};

/// Controllers the budget needs.
const REQUIRED: [&str; 2] = ["memory", "cpu"];
/// Enabled too where the kernel has it: engines may limit a container's pids.
const OPTIONAL: [&str; 1] = ["pids"];
const CPU_PERIOD_US: u64 = 100_000;

/// The budget the cgroup enforces, read back (`max` reads as no limit;
/// `None` when there is no memory limit to read).
pub fn budget(root: &Path, name: &str) -> Option<Budget> {
    let dir = root.join(name);
    let limit = |file: &str| -> Option<u64> { words(&dir.join(file)).first()?.parse().ok() };
    let memory_bytes = limit("memory.max")?;
    let cpu = words(&dir.join("cpu.max"));
    let cpus = match (cpu.first().and_then(|q| q.parse::<f64>().ok()), cpu.get(1)) {
        (Some(quota), Some(period)) => period
            .parse::<f64>()
            .ok()
            .filter(|p| *p > 0.0)
            .map(|p| quota / p),
        _ => None,
    };
    Some(Budget {
        memory_bytes,
        swap_bytes: limit("memory.swap.max").unwrap_or(0),
        cpus,
    })
}

/// The leaf a member of the host joins.
pub fn leaf(root: &Path, name: &str, member: Member) -> PathBuf {
    root.join(name).join(member.leaf())
}

fn words(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn write(path: &Path, value: &str) -> Result<(), CgroupError> {
    std::fs::write(path, value).map_err(io_error(&format!("cannot write '{value}' to"), path))
}

/// Enables `controllers` for the children of `dir` (those not enabled yet,
/// in one write).
fn enable(dir: &Path, controllers: &[&str]) -> Result<(), CgroupError> {
    let file = dir.join("cgroup.subtree_control");
    let enabled = words(&file);
    let missing: Vec<String> = controllers
        .iter()
        .filter(|c| !enabled.iter().any(|e| e == *c))
        .map(|c| format!("+{c}"))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let request = missing.join(" ");
    std::fs::write(&file, &request).map_err(|e| {
        let why = match e.raw_os_error() {
            Some(libc::EBUSY) => " (the cgroup holds processes of its own)",
            Some(libc::EINVAL) if request.contains("+cpu") => {
                " (real-time processes outside the root cgroup keep the cpu controller off)"
            }
            _ => "",
        };
        CgroupError::Missing(format!(
            "cgroup v2 cannot enable '{request}' in '{}': {e}{why}",
            file.display()
        ))
    })
}

/// Creates the cgroup with its memory, swap and CPU limits, and its leaves.
pub fn create(root: &Path, name: &str, budget: &Budget) -> Result<(), CgroupError> {
    let available = words(&root.join("cgroup.controllers"));
    let has = |c: &str| available.iter().any(|a| a == c);
    if let Some(absent) = REQUIRED.iter().find(|c| !has(c)) {
        return Err(CgroupError::Missing(format!(
            "cgroup v2 controller '{absent}' is not available in '{}'",
            root.join("cgroup.controllers").display()
        )));
    }
    let wanted: Vec<&str> = REQUIRED
        .iter()
        .chain(OPTIONAL.iter().filter(|c| has(c)))
        .copied()
        .collect();
    enable(root, &wanted)?;
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).map_err(io_error("cannot create cgroup", &dir))?;
    // Before any process joins: afterwards the kernel refuses (EBUSY).
    enable(&dir, &wanted)?;
    let memory_max = dir.join("memory.max");
    if !memory_max.exists() {
        return Err(CgroupError::Missing(format!(
            "cgroup v2 memory controller is not enabled for '{}'",
            dir.display()
        )));
    }
    write(&memory_max, &budget.memory_bytes.to_string())?;
    let swap_max = dir.join("memory.swap.max");
    if !swap_max.exists() {
        return Err(CgroupError::Missing(format!(
            "cgroup v2 swap accounting is off (no '{}'): boot with swapaccount=1 \
             on a kernel with CONFIG_MEMCG_SWAP",
            swap_max.display()
        )));
    }
    // v2 limits swap alone (v1's memsw limit is memory + swap).
    write(&swap_max, &budget.swap_bytes.to_string())?;
    if let Some(cpus) = budget.cpus {
        let quota_us = ((cpus * CPU_PERIOD_US as f64).round() as u64).max(1000);
        write(&dir.join("cpu.max"), &format!("{quota_us} {CPU_PERIOD_US}"))?;
    }
    for member in [Member::Engine, Member::Reserve] {
        let leaf = leaf(root, name, member);
        std::fs::create_dir_all(&leaf).map_err(io_error("cannot create cgroup", &leaf))?;
    }
    Ok(())
}

/// Reads the host's memory, swap, events, CPU and pressure files.
pub fn read(root: &Path, name: &str) -> CgroupReading {
    let dir = root.join(name);
    let text = |file: &str| std::fs::read_to_string(dir.join(file)).ok();
    let stat = text("memory.stat").unwrap_or_default();
    let footprint = Footprint::parse_v2(&stat, number(&dir.join("memory.swap.current")));
    let memory_bytes = number(&dir.join("memory.current"));
    // Hierarchical: the kills of container cgroups already removed count too.
    let events = text("memory.events").unwrap_or_default();
    CgroupReading {
        memory_bytes,
        memsw_bytes: memory_bytes
            .zip(footprint.swapped_bytes)
            .map(|(memory, swapped)| memory.saturating_add(swapped)),
        failcnt: field(&events, "max"),
        oom_kills: field(&events, "oom_kill"),
        cpu_ns: text("cpu.stat")
            .and_then(|stat| field(&stat, "usage_usec"))
            .map(|us| us.saturating_mul(1000)),
        containers: count_containers(&dir),
        footprint,
        memory_pressure: text("memory.pressure").map(|t| Psi::parse(&t)),
    }
}

/// What a v2 host needs: memory and cpu delegatable from the root, and swap
/// accounting (`memory.swap.max` in the cgroups that have memory).
pub fn requirements(root: &Path) -> Vec<Requirement> {
    let available = words(&root.join("cgroup.controllers"));
    let enabled = words(&root.join("cgroup.subtree_control"));
    let absent: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !available.iter().any(|a| a == c))
        .collect();
    let with_memory: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.join("memory.max").exists())
                .collect()
        })
        .unwrap_or_default();
    let swap = with_memory
        .iter()
        .any(|dir| dir.join("memory.swap.max").exists());
    vec![
        Requirement {
            name: "cgroup v2 memory + cpu".into(),
            ok: absent.is_empty(),
            detail: format!(
                "available: {}; enabled for children: {}",
                available.join(" "),
                enabled.join(" ")
            ),
            fix: format!(
                "emulated hosts need the {} controller(s) in '{}'",
                absent.join(", "),
                root.join("cgroup.controllers").display()
            ),
        },
        Requirement {
            name: "cgroup v2 memory.swap.max".into(),
            ok: swap,
            detail: match (swap, with_memory.is_empty()) {
                (true, _) => "present: swap accounting on".into(),
                (false, true) => "no cgroup with the memory controller to look at".into(),
                (false, false) => "missing: swap accounting off".into(),
            },
            fix:
                "emulated hosts limit swap: boot with swapaccount=1 (kernel with CONFIG_MEMCG_SWAP)"
                    .into(),
        },
    ]
}

//! Pre-flight: is what a scenario (or `host up`) asks for something this
//! machine can give? Memory against its RAM, CPUs against its cores, and disk
//! against the free space of each filesystem the run writes to (a swap file,
//! checkpoints, their staged copies), each filesystem keeping 1 GiB + 5 %
//! free. Runs before any engine is contacted or anything created, and reads
//! only `/proc/meminfo` and `statvfs`, so a refusal is immediate and leaves
//! nothing behind.

mod disk_use;
mod fleet_budget;

use crate::host::{self, HostSpec};
use crate::machine::{self, FsSpace};
use crate::scenario::{BudgetFields, EmulatedBudget, Scenario, TargetSpec, TransferMode};
use bytesize::ByteSize;
use disk_use::DiskUse;
use std::path::{Path, PathBuf};

/// Checkpoint bytes per container beyond its workload's memory (the process's
/// own pages and CRIU's image files; an 8 MiB workload gave 8.2 MiB).
const CHECKPOINT_OVERHEAD_BYTES: u64 = 4 << 20;

/// What a scenario or host asks for that this machine cannot give; each
/// problem names its field, the value asked for and what the machine has.
#[derive(Debug, thiserror::Error)]
#[error("{subject}: {}", .problems.join(";\n  "))]
pub struct BudgetError {
    /// `scenario 'x.toml'`, `host 'lab'`.
    pub subject: String,
    pub problems: Vec<String>,
}

/// Names of `host up`'s flags.
fn host_flags() -> BudgetFields {
    BudgetFields {
        memory: "--memory".into(),
        swap: "--swap".into(),
        cpus: "--cpus".into(),
        os_reserve: "--os-reserve".into(),
        bandwidth: "--bandwidth".into(),
    }
}

/// Checks `migbench host up`'s budget (names its flags).
pub fn check_host(spec: &HostSpec) -> Result<(), BudgetError> {
    let subject = format!("host {}", crate::quote::quote(&spec.name));
    let flags = host_flags();
    crate::scenario::check_budget(spec.memory_bytes, spec.swap_bytes, spec.cpus, &flags).map_err(
        |problem| BudgetError {
            subject: subject.clone(),
            problems: vec![problem],
        },
    )?;
    let mut problems = host_problems(spec, &flags);
    problems.extend(disk_problems(swap_use(spec, &flags).into_iter().collect()));
    result(subject, problems)
}

/// Checks one scenario (one sweep point) against this machine: each
/// emulated target on its own, and a fleet's together (see `fleet_budget`).
pub fn check_scenario(path: &Path, scenario: &Scenario) -> Result<(), BudgetError> {
    let mut problems = Vec::new();
    let mut disk = Vec::new();
    let emulated: Vec<fleet_budget::Emulated> = scenario
        .targets
        .iter()
        .filter_map(|target| match &target.spec {
            TargetSpec::Emulated(budget) => Some(fleet_budget::Emulated {
                name: &target.name,
                fields: BudgetFields::under(&format!("{}.emulate", target.key())),
                spec: host_spec(budget),
            }),
            TargetSpec::Endpoint(_) => None,
        })
        .collect();
    for target in &emulated {
        problems.extend(host_problems(&target.spec, &target.fields));
    }
    match emulated.as_slice() {
        [] => {}
        [one] => disk.extend(swap_use(&one.spec, &one.fields)),
        several => {
            problems.extend(fleet_budget::memory_problem(several));
            disk.extend(fleet_budget::swap_use(several));
        }
    }
    let containers = scenario.containers as u64;
    let each = (scenario.workload_memory_mib.saturating_mul(1 << 20))
        .saturating_add(CHECKPOINT_OVERHEAD_BYTES);
    let checkpoints = containers.saturating_mul(each);
    let asked = format!(
        "containers = {containers} x (workload.memory_mib = {} + {} MiB)",
        scenario.workload_memory_mib,
        CHECKPOINT_OVERHEAD_BYTES >> 20
    );
    disk.push(DiskUse {
        path: scenario.checkpoint_dir.clone(),
        bytes: checkpoints,
        asked: asked.clone(),
        what: "their checkpoints (transfer.checkpoint_dir)".into(),
        fields: vec!["containers".into(), "workload.memory_mib".into()],
    });
    if !emulated.is_empty() && scenario.transfer_mode != TransferMode::SharedDir {
        // Copied (or sent over SSH) once more, into the emulated target's data
        // root, to be restored; each checkpoint goes to one target only.
        disk.push(DiskUse {
            path: PathBuf::from(host::HOSTS_DIR),
            bytes: checkpoints,
            asked,
            what: "their copies staged on the emulated target".into(),
            fields: vec!["containers".into(), "workload.memory_mib".into()],
        });
    }
    problems.extend(disk_problems(disk));
    result(
        format!("scenario {}", crate::quote::quote_path(path)),
        problems,
    )
}

/// The host an emulated budget stands for, as `host up` would bring it up.
fn host_spec(budget: &EmulatedBudget) -> HostSpec {
    HostSpec {
        name: "preflight".into(),
        memory_bytes: budget.memory.as_u64(),
        swap_bytes: budget.swap.as_u64(),
        cpus: budget.cpus,
        os_reserve_bytes: budget.os_reserve.as_u64(),
        ssh: false,
        bandwidth_bits_per_s: budget.network.map(|n| n.bandwidth.bits_per_s()),
    }
}

fn result(subject: String, problems: Vec<String>) -> Result<(), BudgetError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(BudgetError { subject, problems })
    }
}

/// Memory against RAM, CPUs against cores, the OS reserve within the memory.
fn host_problems(spec: &HostSpec, fields: &BudgetFields) -> Vec<String> {
    let mut problems = Vec::new();
    // The reserve is held inside the host's memory, not on top of it.
    if spec.os_reserve_bytes > 0 && spec.os_reserve_bytes >= spec.memory_bytes {
        problems.push(format!(
            "{} = {}: the OS reserve is held inside {} = {}, and must leave room for the engine and the containers: lower {} or raise {}",
            fields.os_reserve,
            ByteSize(spec.os_reserve_bytes),
            fields.memory,
            ByteSize(spec.memory_bytes),
            fields.os_reserve,
            fields.memory
        ));
    }
    let ram = machine::ram_bytes();
    if spec.memory_bytes > ram {
        problems.push(format!(
            "{} = {}: this machine has {} of RAM: lower {}",
            fields.memory,
            ByteSize(spec.memory_bytes),
            ByteSize(ram),
            fields.memory
        ));
    }
    if let Some(bits_per_s) = spec.bandwidth_bits_per_s {
        problems.extend(network_problem(bits_per_s, fields));
    }
    let cores = machine::cores();
    if let Some(cpus) = spec.cpus.filter(|&cpus| cpus > cores as f64) {
        problems.push(format!(
            "{} = {cpus}: this machine has {cores} cores: lower {} (or leave it out: no CPU quota)",
            fields.cpus, fields.cpus
        ));
    }
    problems
}

/// What stops a host from getting a network of its own here: a tool
/// missing, or no free subnet in migbench's range.
fn network_problem(bits_per_s: u64, fields: &BudgetFields) -> Option<String> {
    let asked = format!(
        "{} = {}",
        fields.bandwidth,
        crate::scenario::format_bits_per_s(bits_per_s)
    );
    let missing = host::network::missing_tools();
    if !missing.is_empty() {
        return Some(format!(
            "{asked}: a host with a network of its own needs `ip` and `tc` (iproute2) and \
             `nsenter` (util-linux), and {} not found: install them, or leave {} out",
            missing.join(", "),
            fields.bandwidth
        ));
    }
    // The same choice `host up` makes, against this machine as it is now.
    host::network::plan("preflight", bits_per_s)
        .err()
        .map(|e| format!("{asked}: {e}"))
}

/// The swap file the host would create, if any.
fn swap_use(spec: &HostSpec, fields: &BudgetFields) -> Option<DiskUse> {
    let bytes = host::swap_file_bytes(spec.swap_bytes);
    (bytes > 0).then(|| DiskUse {
        path: PathBuf::from(host::SWAP_DIR),
        bytes,
        asked: format!("{} = {}", fields.swap, ByteSize(spec.swap_bytes)),
        what: "the swap file".into(),
        fields: vec![fields.swap.clone()],
    })
}

/// Every filesystem against what goes on it (uses on one filesystem add up).
fn disk_problems(uses: Vec<DiskUse>) -> Vec<String> {
    let mut by_fs: Vec<(FsSpace, Vec<DiskUse>)> = Vec::new();
    for disk_use in uses {
        // A path nothing of which can be measured is the engine's to refuse.
        let Some(space) = FsSpace::of(&disk_use.path) else {
            continue;
        };
        match by_fs.iter_mut().find(|(fs, _)| fs.device == space.device) {
            Some((_, group)) => group.push(disk_use),
            None => by_fs.push((space, vec![disk_use])),
        }
    }
    by_fs
        .into_iter()
        .flat_map(|(space, group)| {
            let total = group
                .iter()
                .fold(0u64, |sum, u| sum.saturating_add(u.bytes));
            if total <= space.usable_bytes() {
                return Vec::new();
            }
            // The uses too large on their own are named alone; otherwise the sum is.
            let alone: Vec<&DiskUse> = group
                .iter()
                .filter(|u| u.bytes > space.usable_bytes())
                .collect();
            if alone.is_empty() {
                vec![disk_problem(
                    &space,
                    &group.iter().collect::<Vec<_>>(),
                    total,
                )]
            } else {
                alone
                    .into_iter()
                    .map(|u| disk_problem(&space, &[u], u.bytes))
                    .collect()
            }
        })
        .collect()
}

fn disk_problem(space: &FsSpace, group: &[&DiskUse], total: u64) -> String {
    let asked: Vec<&str> = group.iter().map(|u| u.asked.as_str()).collect();
    let what: Vec<String> = group
        .iter()
        .map(|u| format!("{} ({})", u.what, ByteSize(u.bytes)))
        .collect();
    let mut paths: Vec<String> = Vec::new();
    let mut fields: Vec<&str> = Vec::new();
    for disk_use in group {
        let path = crate::quote::quote_path(&disk_use.path);
        if !paths.contains(&path) {
            paths.push(path);
        }
        for field in &disk_use.fields {
            if !fields.contains(&field.as_str()) {
                fields.push(field);
            }
        }
    }
    format!(
        "{}: {} would {} on the filesystem of {}, which has {} free ({} of it kept free: {} + {} % of its size): lower {} or free disk space",
        asked.join(" and "),
        what.join(" and "),
        if group.len() == 1 {
            "go".to_string()
        } else {
            format!("need {} together", ByteSize(total))
        },
        paths.join(" and "),
        ByteSize(space.free_bytes),
        ByteSize(space.kept_free_bytes()),
        ByteSize(machine::KEPT_FREE_BYTES),
        machine::KEPT_FREE_PCT,
        fields.join(" or "),
    )
}

#[cfg(test)]
#[path = "preflight/preflight_tests.rs"]
mod tests;

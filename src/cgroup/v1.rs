//! cgroup v1 (and hybrid): the host's cgroup is a directory in the memory,
//! cpu and cpuacct hierarchies, which the engine joins; the engine creates
//! its containers' cgroups under it in every hierarchy, so teardown sweeps
//! them all (systemd and unified included).

use super::cgroup_budget::{Budget, Requirement};
use super::cgroup_error::{io_error, CgroupError};
use super::cgroup_reading::{count_containers, field, number, CgroupReading, Footprint};
use super::tree::subtree;
use std::path::{Path, PathBuf};

/// Hierarchies the engine itself is placed in.
const JOINED: [&str; 3] = ["memory", "cpu", "cpuacct"];
const CFS_PERIOD_US: u64 = 100_000;
const SWAP_ACCOUNTING: &str = "memory.memsw.limit_in_bytes";

fn write(path: &Path, value: &str) -> Result<(), CgroupError> {
    std::fs::write(path, value).map_err(io_error(&format!("cannot write '{value}' to"), path))
}

/// Creates the cgroup with its memory, memory+swap and CPU limits.
pub fn create(root: &Path, name: &str, budget: &Budget) -> Result<(), CgroupError> {
    for hierarchy in JOINED {
        let mount = root.join(hierarchy);
        if !mount.is_dir() {
            return Err(CgroupError::Missing(format!(
                "cgroup v1 controller '{hierarchy}' is not mounted at '{}'",
                mount.display()
            )));
        }
        let dir = mount.join(name);
        std::fs::create_dir_all(&dir).map_err(io_error("cannot create cgroup", &dir))?;
    }
    let memory = root.join("memory").join(name);
    // The memory limit must be set first: memsw may never be below it.
    write(
        &memory.join("memory.limit_in_bytes"),
        &budget.memory_bytes.to_string(),
    )?;
    let memsw = memory.join(SWAP_ACCOUNTING);
    if !memsw.exists() {
        return Err(CgroupError::Missing(format!(
            "cgroup v1 swap accounting is off (no '{}'): boot with swapaccount=1",
            memsw.display()
        )));
    }
    // v1 limits memory + swap together.
    let memsw_bytes = budget.memory_bytes.saturating_add(budget.swap_bytes);
    write(&memsw, &memsw_bytes.to_string())?;
    if let Some(cpus) = budget.cpus {
        let cpu = root.join("cpu").join(name);
        write(&cpu.join("cpu.cfs_period_us"), &CFS_PERIOD_US.to_string())?;
        let quota = (cpus * CFS_PERIOD_US as f64).round() as u64;
        write(&cpu.join("cpu.cfs_quota_us"), &quota.max(1000).to_string())?;
    }
    Ok(())
}

/// The `cgroup.procs` of the cgroup in each hierarchy the engine joins.
pub fn join_files(root: &Path, name: &str) -> Vec<PathBuf> {
    JOINED
        .iter()
        .map(|h| root.join(h).join(name).join("cgroup.procs"))
        .collect()
}

/// The cgroup's directory in every mounted hierarchy where it exists.
pub fn instances(root: &Path, name: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    entries
        .flatten()
        // Symlinked names (cpu,cpuacct aliases) would list a hierarchy twice.
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path().join(name))
        .filter(|p| p.is_dir())
        .collect()
}

/// The budget the cgroup enforces, read back: memory, memory + swap and
/// the CFS quota (`None` when the memory limit is not there to read).
pub fn budget(root: &Path, name: &str) -> Option<Budget> {
    let number =
        |path: PathBuf| -> Option<i64> { std::fs::read_to_string(path).ok()?.trim().parse().ok() };
    let memory = root.join("memory").join(name);
    let memory_bytes = u64::try_from(number(memory.join("memory.limit_in_bytes"))?).ok()?;
    let memsw_bytes = number(memory.join(SWAP_ACCOUNTING))
        .and_then(|b| u64::try_from(b).ok())
        .unwrap_or(memory_bytes);
    let cpu = root.join("cpu").join(name);
    let cpus = match (
        number(cpu.join("cpu.cfs_quota_us")),
        number(cpu.join("cpu.cfs_period_us")),
    ) {
        (Some(quota), Some(period)) if quota > 0 && period > 0 => {
            Some(quota as f64 / period as f64)
        }
        _ => None,
    };
    Some(Budget {
        memory_bytes,
        swap_bytes: memsw_bytes.saturating_sub(memory_bytes),
        cpus,
    })
}

/// Reads the memory and cpuacct files of the cgroup.
pub fn read(root: &Path, name: &str) -> CgroupReading {
    let memory = root.join("memory").join(name);
    // Counted in the cgroup of the process killed: the host's and every
    // container's below it still there.
    let oom_kills = subtree(&memory)
        .iter()
        .filter_map(|dir| {
            let control = std::fs::read_to_string(dir.join("memory.oom_control")).ok()?;
            field(&control, "oom_kill")
        })
        .reduce(u64::saturating_add);
    let stat = std::fs::read_to_string(memory.join("memory.stat")).unwrap_or_default();
    let kmem_bytes = number(&memory.join("memory.kmem.usage_in_bytes"));
    CgroupReading {
        memory_bytes: number(&memory.join("memory.usage_in_bytes")),
        memsw_bytes: number(&memory.join("memory.memsw.usage_in_bytes")),
        failcnt: number(&memory.join("memory.failcnt")),
        oom_kills,
        cpu_ns: number(&root.join("cpuacct").join(name).join("cpuacct.usage")),
        containers: count_containers(&memory),
        footprint: Footprint::parse_v1(&stat, kmem_bytes),
        memory_pressure: None,
    }
}

/// What a v1 host needs: the three hierarchies and swap accounting.
pub fn requirements(root: &Path) -> Vec<Requirement> {
    let missing: Vec<&str> = JOINED
        .iter()
        .copied()
        .filter(|h| !root.join(h).is_dir())
        .collect();
    let memsw = root.join("memory").join(SWAP_ACCOUNTING).exists();
    vec![
        Requirement {
            name: "cgroup v1 hierarchies".into(),
            ok: missing.is_empty(),
            detail: if missing.is_empty() {
                format!("mounted under '{}'", root.display())
            } else {
                format!("not mounted: {}", missing.join(", "))
            },
            fix: "mount the missing v1 hierarchies (or boot cgroup v2)".into(),
        },
        Requirement {
            name: "cgroup v1 memory + swap".into(),
            ok: memsw,
            detail: if memsw {
                "memory.memsw.* present: swap accounting on".into()
            } else {
                "memory.memsw.* missing: swap accounting off".into()
            },
            fix: "emulated hosts limit memory + swap: boot with swapaccount=1".into(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v1_budget_reads_back_as_it_was_written() {
        let root = tempfile::tempdir().expect("tempdir");
        for hierarchy in ["memory", "cpu", "cpuacct"] {
            std::fs::create_dir_all(root.path().join(hierarchy).join("migbench-h1"))
                .expect("mkdir");
        }
        // The kernel's files of a new v1 cgroup, before the budget.
        let memory = root.path().join("memory").join("migbench-h1");
        std::fs::write(memory.join("memory.limit_in_bytes"), "0").expect("write");
        std::fs::write(memory.join(SWAP_ACCOUNTING), "0").expect("write");
        let budget = Budget {
            memory_bytes: 512 << 20,
            swap_bytes: 256 << 20,
            cpus: Some(0.5),
        };
        create(root.path(), "migbench-h1", &budget).expect("create");
        assert_eq!(super::budget(root.path(), "migbench-h1"), Some(budget));
        assert_eq!(super::budget(root.path(), "migbench-none"), None);
    }

    #[test]
    fn reads_a_v1_host_with_its_containers() {
        let root = tempfile::tempdir().expect("tempdir");
        let memory = root.path().join("memory").join("migbench-h1");
        let child = memory.join("d".repeat(64));
        std::fs::create_dir_all(&child).expect("mkdir");
        let cpuacct = root.path().join("cpuacct").join("migbench-h1");
        std::fs::create_dir_all(&cpuacct).expect("mkdir");
        let files = [
            (memory.join("memory.usage_in_bytes"), "1000\n"),
            (memory.join("memory.memsw.usage_in_bytes"), "1500\n"),
            (memory.join("memory.failcnt"), "3\n"),
            (
                memory.join("memory.oom_control"),
                "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
            ),
            (
                child.join("memory.oom_control"),
                "oom_kill_disable 0\noom_kill 2\n",
            ),
            (memory.join("memory.stat"), "total_rss 300\ntotal_swap 50\n"),
            (memory.join("memory.kmem.usage_in_bytes"), "30\n"),
            (cpuacct.join("cpuacct.usage"), "123456\n"),
        ];
        for (path, text) in files {
            std::fs::write(path, text).expect("write");
        }
        let r = read(root.path(), "migbench-h1");
        assert_eq!(r.memory_bytes, Some(1000));
        assert_eq!(r.memsw_bytes, Some(1500));
        assert_eq!(r.failcnt, Some(3));
        assert_eq!(r.oom_kills, Some(3), "the host's and its container's");
        assert_eq!(r.cpu_ns, Some(123456));
        assert_eq!(r.containers, 1);
        assert_eq!(r.footprint.total_bytes(), Some(300 + 50 + 30));
        assert_eq!(r.memory_pressure, None, "v1 has no per-cgroup pressure");
    }

    #[test]
    fn a_missing_hierarchy_is_named() {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(root.path().join("memory")).expect("mkdir");
        let budget = Budget {
            memory_bytes: 1 << 30,
            swap_bytes: 0,
            cpus: None,
        };
        let e = create(root.path(), "migbench-h1", &budget).expect_err("no cpu hierarchy");
        assert!(
            e.to_string().contains("controller 'cpu' is not mounted"),
            "{e}"
        );
        let needs = requirements(root.path());
        assert!(!needs[0].ok && needs[0].detail.contains("cpu, cpuacct"));
        assert!(!needs[1].ok);
    }
}

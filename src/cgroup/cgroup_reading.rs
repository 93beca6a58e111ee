//! What a host's cgroup says, in one shape for both versions: the v1 and v2
//! readers (v1.rs, v2.rs) fill it so that every field keeps one meaning. A
//! file that is missing or unreadable reads as `None`: a sample is never lost
//! because one source is unavailable.

use super::psi::Psi;
use std::path::Path;

/// What a target's cgroup says.
#[derive(Debug, Clone, Copy, Default)]
pub struct CgroupReading {
    /// Memory charged (v1 `memory.usage_in_bytes`, v2 `memory.current`):
    /// page cache included.
    pub memory_bytes: Option<u64>,
    /// Memory + swap, each page once (v1 `memory.memsw.usage_in_bytes`; v2
    /// `memory.current` + `memory.swap.current` − `swapcached`, since v2
    /// charges swap when a page enters the swap cache, while it still counts
    /// in memory).
    pub memsw_bytes: Option<u64>,
    /// Times the memory limit was hit (v1 `memory.failcnt`, v2 `max` in
    /// `memory.events`).
    pub failcnt: Option<u64>,
    /// OOM kills in the tree (v1: `oom_kill` of `memory.oom_control` summed
    /// over the cgroups still there; v2: `oom_kill` of the host's
    /// hierarchical `memory.events`, which keeps the kills of removed children).
    pub oom_kills: Option<u64>,
    /// CPU time used (v1 `cpuacct.usage`, v2 `usage_usec` of `cpu.stat`).
    pub cpu_ns: Option<u64>,
    /// Container cgroups (one per running container) under it.
    pub containers: u64,
    /// What reclaim cannot take back (see [`Footprint`]).
    pub footprint: Footprint,
    /// The host's own memory pressure (v2 `memory.pressure`); `None` on v1,
    /// which has no per-cgroup pressure: the PSI rule then reads the machine's.
    pub memory_pressure: Option<Psi>,
}

/// The target's non-reclaimable memory. Hierarchical fields of `memory.stat`
/// (v1 `total_*`; v2's are hierarchical by design), because the containers
/// live in child cgroups of the host's; page cache is left out because the
/// kernel reclaims it under pressure.
///
/// Anonymous memory is read from the anon LRU lists (`active_anon` +
/// `inactive_anon`), not from mapped anon (v1 `total_rss`, v2 `anon`): once
/// the target swaps, a good share of its pages sit in the swap cache unmapped
/// (on their way out, or read back ahead of use). cgroup v1 moves a page's
/// charge to `total_swap` only once it has left RAM, so those pages count in
/// neither `total_rss` nor `total_swap`: a 400 x 16 MiB run's footprint
/// seemed to stop growing at 2.2 GiB while 460 MiB sat in the swap cache. The
/// anon LRU holds them (and shmem, so it is not added again); the per-process
/// sums (RssAnon + VmSwap) agree with it. v2 charges swap as soon as a page
/// enters the swap cache, so its swapped-out share is `memory.swap.current`
/// minus `swapcached`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Footprint {
    /// Mapped anonymous memory, transparent huge pages included (v1
    /// `total_rss`, v2 `anon`).
    pub anon_bytes: Option<u64>,
    /// The huge-page part of `anon_bytes` (v1 `total_rss_huge`, v2 `anon_thp`).
    pub anon_huge_bytes: Option<u64>,
    /// tmpfs and shared memory: only swap can move it (`shmem`).
    pub shmem_bytes: Option<u64>,
    /// Pages swapped out, gone from RAM (v1 `total_swap`; v2
    /// `memory.swap.current` − `swapcached`).
    pub swapped_bytes: Option<u64>,
    /// Kernel memory charged to the cgroup (v1 `memory.kmem.usage_in_bytes`;
    /// v2 `kernel`, or on kernels without it `kernel_stack` + `pagetables` +
    /// `percpu` + `slab` + `vmalloc`). Socket buffers (v2 `sock`) are left
    /// out, as v1 kmem leaves them out.
    pub kmem_bytes: Option<u64>,
    /// `active_anon` + `inactive_anon`: every anonymous page in RAM, mapped
    /// or not (swap cache and shmem included).
    pub anon_lru_bytes: Option<u64>,
    /// `swapcached`: of `anon_lru_bytes`, pages also in swap.
    pub swapcached_bytes: Option<u64>,
}

/// The value of `name` in a `key value` file such as `memory.stat`.
pub fn field(text: &str, name: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(' ')?;
        (key == name).then(|| value.trim().parse::<u64>().ok())?
    })
}

/// A file holding one number.
pub fn number(path: &Path) -> Option<u64> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.trim().parse().ok())
}

fn sum(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    a.zip(b).map(|(a, b)| a.saturating_add(b))
}

impl Footprint {
    /// From v1's `memory.stat` (the `total_*` lines) and the kmem reading.
    pub fn parse_v1(stat: &str, kmem_bytes: Option<u64>) -> Footprint {
        let total = |name: &str| field(stat, &format!("total_{name}"));
        Footprint {
            anon_bytes: total("rss"),
            anon_huge_bytes: total("rss_huge"),
            shmem_bytes: total("shmem"),
            swapped_bytes: total("swap"),
            kmem_bytes,
            anon_lru_bytes: sum(total("active_anon"), total("inactive_anon")),
            swapcached_bytes: total("swapcached"),
        }
    }

    /// From v2's `memory.stat` and `memory.swap.current`.
    pub fn parse_v2(stat: &str, swap_bytes: Option<u64>) -> Footprint {
        let get = |name: &str| field(stat, name);
        let swapcached_bytes = get("swapcached");
        let kmem_bytes = get("kernel").or_else(|| {
            let parts = ["kernel_stack", "pagetables", "percpu", "slab", "vmalloc"];
            parts
                .iter()
                .filter_map(|name| get(name))
                .reduce(u64::saturating_add)
        });
        Footprint {
            anon_bytes: get("anon"),
            anon_huge_bytes: get("anon_thp"),
            shmem_bytes: get("shmem"),
            swapped_bytes: swap_bytes
                .map(|swap| swap.saturating_sub(swapcached_bytes.unwrap_or(0))),
            kmem_bytes,
            anon_lru_bytes: sum(get("active_anon"), get("inactive_anon")),
            swapcached_bytes,
        }
    }

    /// anon LRU + swapped + kmem (without the LRU fields: mapped anon +
    /// shmem + swapped + kmem); `None` without `memory.stat`.
    pub fn total_bytes(&self) -> Option<u64> {
        let in_ram = match self.anon_lru_bytes {
            Some(lru) => lru,
            None => self
                .anon_bytes?
                .saturating_add(self.shmem_bytes.unwrap_or(0)),
        };
        Some(
            in_ram
                .saturating_add(self.swapped_bytes.unwrap_or(0))
                .saturating_add(self.kmem_bytes.unwrap_or(0)),
        )
    }
}

/// Container cgroups directly under `dir`: Docker names them by the 64-hex
/// container id, libpod `libpod-<id>`, migbench's runc engine `runc-<name>`.
pub fn count_containers(dir: &Path) -> u64 {
    let is_id = |id: &str| id.len() == 64 && id.chars().all(|c| c.is_ascii_hexdigit());
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .filter(|e| {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    name.starts_with("runc-")
                        || is_id(name.strip_prefix("libpod-").unwrap_or(&name))
                })
                .count() as u64
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footprint_adds_what_reclaim_cannot_take_back() {
        let stat = "cache 5\nrss 7\ntotal_cache 1000\ntotal_rss 300\ntotal_rss_huge 100\n\
                    total_shmem 20\ntotal_swap 50\ntotal_swapcached 9\n\
                    total_inactive_anon 250\ntotal_active_anon 110\n";
        let f = Footprint::parse_v1(stat, Some(30));
        assert_eq!(f.anon_bytes, Some(300));
        assert_eq!(f.anon_lru_bytes, Some(360));
        assert_eq!(f.swapcached_bytes, Some(9));
        // The anon LRU (swap cache and shmem in it) + swapped out + kmem; no cache.
        assert_eq!(f.total_bytes(), Some(360 + 50 + 30));
        let old_kernel =
            Footprint::parse_v1("total_rss 300\ntotal_shmem 20\ntotal_swap 50\n", None);
        assert_eq!(
            old_kernel.total_bytes(),
            Some(300 + 20 + 50),
            "mapped anon + shmem without the LRU"
        );
        assert_eq!(Footprint::parse_v1("", None).total_bytes(), None);
    }

    #[test]
    fn v2_kernel_memory_falls_back_to_its_parts() {
        let with_kernel = "anon 100\nkernel 70\nkernel_stack 1\nslab 2\nsock 1000\n";
        assert_eq!(Footprint::parse_v2(with_kernel, None).kmem_bytes, Some(70));
        let without =
            "anon 100\nkernel_stack 1\npagetables 2\npercpu 4\nslab 8\nvmalloc 16\nsock 1000\n";
        assert_eq!(
            Footprint::parse_v2(without, None).kmem_bytes,
            Some(31),
            "socket buffers are not kernel memory here, as on v1"
        );
    }

    #[test]
    fn containers_of_every_engine_are_counted_and_nothing_else() {
        let root = tempfile::tempdir().expect("tempdir");
        let id = "a".repeat(64);
        for name in [
            id.clone(),
            format!("libpod-{}", "b".repeat(64)),
            "runc-mb-run-0001".into(),
            "engine".into(),
            "conmon".into(),
            "libpod-short".into(),
        ] {
            std::fs::create_dir(root.path().join(name)).expect("mkdir");
        }
        std::fs::write(root.path().join("c".repeat(64)), "").expect("a file, not a cgroup");
        assert_eq!(count_containers(root.path()), 3);
    }
}

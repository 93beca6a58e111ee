//! Readers for /proc/pressure, /proc/vmstat and cgroup v1 files. A file that
//! is missing or unreadable reads as zero / `None`: a sample is never lost
//! because one source is unavailable.

use super::cgroup_dir;

/// One PSI resource (`/proc/pressure/<resource>`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Psi {
    pub some_avg10: f64,
    pub full_avg10: f64,
    pub full_total_us: u64,
}

impl Psi {
    /// Parses the `some ...` / `full ...` lines.
    pub fn parse(text: &str) -> Psi {
        let mut psi = Psi::default();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            let kind = words.next();
            for word in words {
                match (kind, word.split_once('=')) {
                    (Some("some"), Some(("avg10", v))) => psi.some_avg10 = v.parse().unwrap_or(0.0),
                    (Some("full"), Some(("avg10", v))) => psi.full_avg10 = v.parse().unwrap_or(0.0),
                    (Some("full"), Some(("total", v))) => {
                        psi.full_total_us = v.parse().unwrap_or(0)
                    }
                    _ => {}
                }
            }
        }
        psi
    }
}

/// `/proc/pressure/<resource>`, zero when PSI is unavailable.
pub fn read_psi(resource: &str) -> Psi {
    std::fs::read_to_string(format!("/proc/pressure/{resource}"))
        .map(|text| Psi::parse(&text))
        .unwrap_or_default()
}

/// Pages swapped in and out since boot.
#[derive(Debug, Clone, Copy, Default)]
pub struct SwapCounters {
    pub pswpin: u64,
    pub pswpout: u64,
}

impl SwapCounters {
    pub fn read() -> SwapCounters {
        let text = std::fs::read_to_string("/proc/vmstat").unwrap_or_default();
        let mut counters = SwapCounters::default();
        for line in text.lines() {
            match line.split_once(' ') {
                Some(("pswpin", v)) => counters.pswpin = v.trim().parse().unwrap_or(0),
                Some(("pswpout", v)) => counters.pswpout = v.trim().parse().unwrap_or(0),
                _ => {}
            }
        }
        counters
    }
}

/// What a target's cgroup (v1) says.
#[derive(Debug, Clone, Copy, Default)]
pub struct CgroupReading {
    pub memory_bytes: Option<u64>,
    pub memsw_bytes: Option<u64>,
    pub failcnt: Option<u64>,
    pub oom_kills: Option<u64>,
    pub cpu_ns: Option<u64>,
    /// Container cgroups (one per running container) under it.
    pub containers: u64,
    /// What reclaim cannot take back (see [`Footprint`]).
    pub footprint: Footprint,
}

/// The target's non-reclaimable memory, from cgroup v1 files. Hierarchical
/// `total_*` fields of `memory.stat`, because the containers live in child
/// cgroups of the host's; page cache (`total_cache` minus shmem) is left out
/// because the kernel reclaims it under pressure.
///
/// Anonymous memory is read from the anon LRU lists (`total_active_anon` +
/// `total_inactive_anon`), not from `total_rss`: `total_rss` counts mapped
/// anonymous pages only, and once the target swaps, a good share of its pages
/// sit in the swap cache unmapped (on their way out, or read back ahead of
/// use). cgroup v1 moves a page's charge to `total_swap` only once it has left
/// RAM, so those pages count in neither `total_rss` nor `total_swap`: a 400 x
/// 16 MiB run's footprint seemed to stop growing at 2.2 GiB while 460 MiB sat
/// in the swap cache. The anon LRU holds them (and shmem, so it is not added
/// again); the per-process sums (RssAnon + VmSwap) agree with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Footprint {
    /// `total_rss`: mapped anonymous memory, transparent huge pages included.
    pub anon_bytes: Option<u64>,
    /// `total_rss_huge`: the huge-page part of `anon_bytes`.
    pub anon_huge_bytes: Option<u64>,
    /// `total_shmem`: tmpfs and shared memory: only swap can move it.
    pub shmem_bytes: Option<u64>,
    /// `total_swap`: pages swapped out (gone from RAM).
    pub swapped_bytes: Option<u64>,
    /// `memory.kmem.usage_in_bytes`: kernel memory charged to the cgroup.
    pub kmem_bytes: Option<u64>,
    /// `total_active_anon` + `total_inactive_anon`: every anonymous page in
    /// RAM, mapped or not (swap cache and shmem included).
    pub anon_lru_bytes: Option<u64>,
    /// `total_swapcached`: of `anon_lru_bytes`, pages also in swap.
    pub swapcached_bytes: Option<u64>,
}

impl Footprint {
    /// Parses `memory.stat` (the `total_*` lines) and adds the kmem reading.
    pub fn parse(stat: &str, kmem_bytes: Option<u64>) -> Footprint {
        let field = |name: &str| {
            stat.lines().find_map(|line| {
                let (key, value) = line.split_once(' ')?;
                (key == name).then(|| value.trim().parse::<u64>().ok())?
            })
        };
        let anon_lru_bytes = field("total_active_anon")
            .zip(field("total_inactive_anon"))
            .map(|(active, inactive)| active.saturating_add(inactive));
        Footprint {
            anon_bytes: field("total_rss"),
            anon_huge_bytes: field("total_rss_huge"),
            shmem_bytes: field("total_shmem"),
            swapped_bytes: field("total_swap"),
            kmem_bytes,
            anon_lru_bytes,
            swapcached_bytes: field("total_swapcached"),
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

impl CgroupReading {
    pub fn read(cgroup: &str) -> CgroupReading {
        let memory = cgroup_dir("memory", cgroup);
        let number = |path: std::path::PathBuf| {
            std::fs::read_to_string(path)
                .ok()
                .and_then(|t| t.trim().parse().ok())
        };
        // Counted in the cgroup of the process killed: the host's and every
        // container's below it still there.
        let oom_kills = subtree(&memory)
            .iter()
            .filter_map(|dir| {
                std::fs::read_to_string(dir.join("memory.oom_control"))
                    .ok()?
                    .lines()
                    .find_map(|l| l.strip_prefix("oom_kill "))?
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .reduce(|a, b| a.saturating_add(b));
        let containers = std::fs::read_dir(&memory)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| {
                        let name = e.file_name();
                        let name = name.to_string_lossy();
                        name.len() == 64 && name.chars().all(|c| c.is_ascii_hexdigit())
                    })
                    .count() as u64
            })
            .unwrap_or(0);
        let stat = std::fs::read_to_string(memory.join("memory.stat")).unwrap_or_default();
        let footprint = Footprint::parse(&stat, number(memory.join("memory.kmem.usage_in_bytes")));
        CgroupReading {
            footprint,
            memory_bytes: number(memory.join("memory.usage_in_bytes")),
            memsw_bytes: number(memory.join("memory.memsw.usage_in_bytes")),
            failcnt: number(memory.join("memory.failcnt")),
            oom_kills,
            cpu_ns: number(cgroup_dir("cpuacct", cgroup).join("cpuacct.usage")),
            containers,
        }
    }
}

/// `dir` and every directory below it.
fn subtree(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut dirs = vec![dir.to_path_buf()];
    let mut next = 0;
    while next < dirs.len() {
        if let Ok(entries) = std::fs::read_dir(&dirs[next]) {
            dirs.extend(
                entries
                    .flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                    .map(|e| e.path()),
            );
        }
        next += 1;
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_psi() {
        let psi = Psi::parse(
            "some avg10=1.50 avg60=0.00 avg300=0.00 total=10\nfull avg10=0.75 avg60=0.00 avg300=0.00 total=1234\n",
        );
        assert_eq!(psi.some_avg10, 1.5);
        assert_eq!(psi.full_avg10, 0.75);
        assert_eq!(psi.full_total_us, 1234);
    }

    #[test]
    fn footprint_adds_what_reclaim_cannot_take_back() {
        let stat = "cache 5\nrss 7\ntotal_cache 1000\ntotal_rss 300\ntotal_rss_huge 100\n\
                    total_shmem 20\ntotal_swap 50\ntotal_swapcached 9\n\
                    total_inactive_anon 250\ntotal_active_anon 110\n";
        let f = Footprint::parse(stat, Some(30));
        assert_eq!(f.anon_bytes, Some(300));
        assert_eq!(f.anon_lru_bytes, Some(360));
        assert_eq!(f.swapcached_bytes, Some(9));
        // The anon LRU (swap cache and shmem in it) + swapped out + kmem; no cache.
        assert_eq!(f.total_bytes(), Some(360 + 50 + 30));
        let old_kernel = Footprint::parse("total_rss 300\ntotal_shmem 20\ntotal_swap 50\n", None);
        assert_eq!(
            old_kernel.total_bytes(),
            Some(300 + 20 + 50),
            "mapped anon + shmem without the LRU"
        );
        assert_eq!(Footprint::parse("", None).total_bytes(), None);
    }

    #[test]
    fn unknown_psi_text_reads_as_zero() {
        assert_eq!(Psi::parse("nonsense"), Psi::default());
    }
}

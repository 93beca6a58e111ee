//! The v2 backend against a fake cgroup tree in a temporary directory: this
//! machine mounts v1, so these tests are the v2 path's only check here. The
//! fake stands for the kernel by holding the files it would create.

use super::*;
use std::path::{Path, PathBuf};

const MIB: u64 = 1 << 20;

fn fake_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("tempdir");
    let at = |file: &str| root.path().join(file);
    std::fs::write(
        at("cgroup.controllers"),
        "cpuset cpu io memory hugetlb pids rdma misc\n",
    )
    .expect("write");
    std::fs::write(at("cgroup.subtree_control"), "").expect("write");
    root
}

/// The interface files the kernel gives a new cgroup whose parent enabled
/// memory and cpu; `swap`: whether swap accounting is on.
fn kernel_files(dir: &Path, swap: bool) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut files = vec![
        ("memory.max", "max\n"),
        ("cpu.max", "max 100000\n"),
        ("cgroup.subtree_control", ""),
        ("cgroup.procs", ""),
        ("cgroup.kill", ""),
    ];
    if swap {
        files.push(("memory.swap.max", "max\n"));
    }
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("write");
    }
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const BUDGET: Budget = Budget {
    memory_bytes: 512 * MIB,
    swap_bytes: 256 * MIB,
    cpus: Some(1.5),
};

#[test]
fn create_writes_the_budget_in_v2_terms() {
    let root = fake_root();
    let host = root.path().join("migbench-h1");
    kernel_files(&host, true);
    let backend = Backend::new(Mode::V2, root.path());
    backend.create("migbench-h1", &BUDGET).expect("create");
    assert_eq!(read(host.join("memory.max")), (512 * MIB).to_string());
    assert_eq!(
        read(host.join("memory.swap.max")),
        (256 * MIB).to_string(),
        "swap alone, not v1's memory + swap"
    );
    assert_eq!(read(host.join("cpu.max")), "150000 100000");
    assert_eq!(backend.budget("migbench-h1"), Some(BUDGET), "read back");
    for dir in [root.path(), &host] {
        assert_eq!(
            read(dir.join("cgroup.subtree_control")),
            "+memory +cpu +pids",
            "{} hands the controllers down",
            dir.display()
        );
    }
    // Every member's join file lies in a leaf that now exists.
    for member in [Member::Engine, Member::Reserve] {
        let files = backend.join_files("migbench-h1", member);
        assert_eq!(files.len(), 1);
        let leaf = files[0].parent().expect("leaf");
        assert!(leaf.is_dir() && leaf.parent() == Some(host.as_path()));
    }
}

#[test]
fn controllers_already_enabled_are_not_written_again() {
    let root = fake_root();
    std::fs::write(
        root.path().join("cgroup.subtree_control"),
        "cpu memory pids\n",
    )
    .expect("write");
    kernel_files(&root.path().join("migbench-h1"), true);
    let no_quota = Budget {
        cpus: None,
        ..BUDGET
    };
    Backend::new(Mode::V2, root.path())
        .create("migbench-h1", &no_quota)
        .expect("create");
    assert_eq!(
        read(root.path().join("cgroup.subtree_control")),
        "cpu memory pids\n"
    );
    assert_eq!(
        read(root.path().join("migbench-h1").join("cpu.max")),
        "max 100000\n",
        "no quota asked, none written"
    );
}

#[test]
fn a_missing_controller_or_swap_accounting_is_named() {
    let root = fake_root();
    std::fs::write(root.path().join("cgroup.controllers"), "memory pids\n").expect("write");
    let backend = Backend::new(Mode::V2, root.path());
    let e = backend.create("migbench-h1", &BUDGET).expect_err("no cpu");
    assert!(matches!(e, CgroupError::Missing(_)));
    assert!(
        e.to_string().contains("controller 'cpu' is not available"),
        "{e}"
    );

    let root = fake_root();
    kernel_files(&root.path().join("migbench-h1"), false);
    let e = Backend::new(Mode::V2, root.path())
        .create("migbench-h1", &BUDGET)
        .expect_err("no swap accounting");
    assert!(e.to_string().contains("memory.swap.max"), "{e}");
    assert!(e.to_string().contains("swapaccount=1"), "{e}");
}

#[test]
fn reads_real_looking_v2_files() {
    let root = fake_root();
    let host = root.path().join("migbench-h1");
    std::fs::create_dir_all(host.join("engine")).expect("mkdir");
    std::fs::create_dir_all(host.join("e".repeat(64))).expect("mkdir");
    std::fs::create_dir_all(host.join(format!("libpod-{}", "f".repeat(64)))).expect("mkdir");
    let stat = "anon 314572800\nfile 1048576000\nkernel 31457280\nkernel_stack 1048576\n\
                pagetables 4194304\nsec_pagetables 0\npercpu 524288\nsock 8192\nvmalloc 0\n\
                shmem 20971520\nzswap 0\nzswapped 0\nfile_mapped 1024\nfile_dirty 0\n\
                file_writeback 0\nswapcached 9437184\nanon_thp 104857600\nfile_thp 0\n\
                shmem_thp 0\ninactive_anon 262144000\nactive_anon 115343360\n\
                inactive_file 524288000\nactive_file 524288000\nunevictable 0\n\
                slab_reclaimable 2097152\nslab_unreclaimable 3145728\nslab 5242880\n\
                workingset_refault_anon 0\npgfault 12345\n";
    let files = [
        ("memory.stat", stat),
        ("memory.current", "1400000000\n"),
        ("memory.swap.current", "61865984\n"),
        (
            "memory.events",
            "low 0\nhigh 0\nmax 17\noom 2\noom_kill 2\noom_group_kill 0\n",
        ),
        (
            "cpu.stat",
            "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\nnr_periods 10\n",
        ),
        (
            "memory.pressure",
            "some avg10=12.50 avg60=3.00 avg300=1.00 total=900000\n\
             full avg10=8.25 avg60=2.00 avg300=0.50 total=600000\n",
        ),
    ];
    for (file, text) in files {
        std::fs::write(host.join(file), text).expect("write");
    }
    let r = Backend::new(Mode::V2, root.path()).read("migbench-h1");
    let swapped = 61865984 - 9437184;
    assert_eq!(r.memory_bytes, Some(1400000000));
    assert_eq!(
        r.memsw_bytes,
        Some(1400000000 + swapped),
        "pages in the swap cache count once, as in v1's memsw"
    );
    assert_eq!(r.failcnt, Some(17));
    assert_eq!(r.oom_kills, Some(2));
    assert_eq!(r.cpu_ns, Some(2_500_000_000));
    assert_eq!(r.containers, 2, "one Docker, one Podman container");
    let f = r.footprint;
    assert_eq!(f.anon_bytes, Some(314572800));
    assert_eq!(f.anon_huge_bytes, Some(104857600));
    assert_eq!(f.shmem_bytes, Some(20971520));
    assert_eq!(f.swapped_bytes, Some(swapped));
    assert_eq!(f.kmem_bytes, Some(31457280));
    assert_eq!(f.anon_lru_bytes, Some(262144000 + 115343360));
    assert_eq!(f.swapcached_bytes, Some(9437184));
    // The projection's basis: anon LRU + swapped out + kernel; no page cache.
    assert_eq!(
        f.total_bytes(),
        Some(262144000 + 115343360 + swapped + 31457280)
    );
    let psi = r.memory_pressure.expect("the host's own pressure");
    assert_eq!(psi.full_avg10, 8.25);
    assert_eq!(psi.some_avg10, 12.5);
}

#[test]
fn an_empty_cgroup_reads_as_nothing() {
    let root = fake_root();
    let r = Backend::new(Mode::V2, root.path()).read("migbench-gone");
    assert_eq!(r.memory_bytes, None);
    assert_eq!(r.memsw_bytes, None);
    assert_eq!(r.footprint.total_bytes(), None);
    assert!(r.memory_pressure.is_none());
}

#[test]
fn kill_uses_cgroup_kill_and_signals_nobody_outside_the_cgroup() {
    let root = fake_root();
    let name = format!("migbench-fake-{}", std::process::id());
    let host = root.path().join(&name);
    kernel_files(&host, true);
    kernel_files(&host.join("engine"), true);
    // A process of ours listed in the fake tree, but not in any cgroup of
    // that name on this machine: it must survive.
    let mut sleeper = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("sleep");
    std::fs::write(
        host.join("engine").join("cgroup.procs"),
        format!("{}\n", sleeper.id()),
    )
    .expect("write");
    let backend = Backend::new(Mode::V2, root.path());
    assert_eq!(backend.procs(&name), vec![sleeper.id()]);
    assert_eq!(backend.kill_round(&name), 1);
    assert_eq!(
        read(host.join("cgroup.kill")),
        "1",
        "the kernel's kill asked for"
    );
    assert!(
        crate::process::is_alive(sleeper.id()),
        "a pid listed but not provably in the cgroup was signalled"
    );
    sleeper.kill().expect("kill");
    sleeper.wait().expect("wait");
}

#[tokio::test]
async fn remove_takes_the_tree_deepest_first() {
    let root = fake_root();
    let host = root.path().join("migbench-h1");
    // Directories only: a fake tree cannot hold the kernel's files and still
    // be removable with rmdir, as a real one is.
    for leaf in ["engine", "os-reserve", &format!("{}/inner", "a".repeat(64))] {
        std::fs::create_dir_all(host.join(leaf)).expect("mkdir");
    }
    let backend = Backend::new(Mode::V2, root.path());
    backend.remove("migbench-h1").await.expect("remove");
    assert!(!host.exists());
    assert!(
        root.path().join("cgroup.controllers").exists(),
        "the root stays"
    );
    backend
        .remove("migbench-h1")
        .await
        .expect("removing what is gone is fine");
}

#[test]
fn requirements_say_what_is_missing() {
    let root = fake_root();
    let slice = root.path().join("system.slice");
    kernel_files(&slice, true);
    let needs = Backend::new(Mode::V2, root.path()).requirements();
    assert!(needs.iter().all(|n| n.ok), "{needs:?}");
    std::fs::remove_file(slice.join("memory.swap.max")).expect("rm");
    std::fs::write(root.path().join("cgroup.controllers"), "memory pids\n").expect("write");
    let needs = Backend::new(Mode::V2, root.path()).requirements();
    assert!(!needs[0].ok && needs[0].fix.contains("cpu"), "{needs:?}");
    assert!(!needs[1].ok && needs[1].detail.contains("swap accounting off"));
}

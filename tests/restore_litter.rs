//! containerd's checkpoint copies in /tmp: `doctor` counts them, `clean`
//! removes those of migbench workloads that nothing uses, and leaves alone a
//! copy a process still uses and a copy of someone else's container.

mod common;

use common::migbench;
use std::path::{Path, PathBuf};

/// A fake containerd copy of a checkpoint; `workload` makes it a copy of
/// migbench's workload (its task and files name the workload binary).
fn fake_copy(tag: &str, workload: bool) -> PathBuf {
    let dir = PathBuf::from(format!("/tmp/ctrd-checkpoint-mbtest-{tag}"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let (files, core) = if workload {
        (&b"..2\t/workload8.."[..], &b"..workload.."[..])
    } else {
        (&b"..2\t/usr/sbin/nginx.."[..], &b"..nginx.."[..])
    };
    std::fs::write(dir.join("files.img"), files).expect("files.img");
    std::fs::write(dir.join("core-1.img"), core).expect("core-1.img");
    std::fs::write(dir.join("cgroup.img"), format!("/docker/{tag}")).expect("cgroup.img");
    std::fs::write(dir.join("pages-1.img"), vec![0u8; 64 * 1024]).expect("pages");
    dir
}

fn remove(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn clean_removes_unused_workload_copies_and_doctor_counts_them() {
    let _engine = common::engine_lock();
    let stale = fake_copy("stale", true);
    let in_use = fake_copy("inuse", true);
    let foreign = fake_copy("foreign", false);
    // A process working in the copy: a restore that is still going.
    let mut user = std::process::Command::new("sleep")
        .arg("60")
        .current_dir(&in_use)
        .spawn()
        .expect("sleep");

    let doctor = migbench().arg("doctor").output().expect("doctor runs");
    let report = String::from_utf8_lossy(&doctor.stdout);
    let line = report
        .lines()
        .find(|l| l.contains("restore litter"))
        .unwrap_or_else(|| panic!("no litter line in:\n{report}"));
    assert!(line.contains("[warn]"), "{line}");
    let migbench_copies: usize = line
        .split(", ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in: {line}"));
    assert!(migbench_copies >= 2, "{line}");

    let clean = migbench()
        .args(["clean", "--engine", "docker", "--endpoint", common::ENGINE])
        .output()
        .expect("clean runs");
    let stdout = String::from_utf8_lossy(&clean.stdout);
    assert_eq!(clean.status.code(), Some(0), "{stdout}");
    assert!(!stale.exists(), "an unused copy is removed:\n{stdout}");
    assert!(in_use.exists(), "a copy in use is kept:\n{stdout}");
    assert!(stdout.contains("in use"), "{stdout}");
    assert!(foreign.exists(), "someone else's copy is kept");

    user.kill().expect("kill sleep");
    user.wait().expect("reap");
    for dir in [&stale, &in_use, &foreign] {
        remove(dir);
    }
}

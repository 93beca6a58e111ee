//! migbench never signals a process it cannot prove it started: a host state
//! whose saved engine pid now belongs to another process (a reboot, a pid
//! reuse) is torn down without touching that process, by `host down` and by
//! `migbench clean`.

mod common;

use common::migbench;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

/// A process that looks like an engine (its name is `dockerd`) but is not ours.
fn impostor(dir: &Path) -> Child {
    let exe = dir.join("dockerd");
    std::fs::copy("/bin/sleep", &exe).expect("copy sleep");
    Command::new(&exe)
        .arg("300")
        .spawn()
        .expect("impostor starts")
}

/// Writes the state file of host `name` as if its engine had pid `pid`;
/// `daemon` is the stamp JSON (null: a state file of an older version).
fn fake_host_state(name: &str, pid: u32, daemon: &str) -> PathBuf {
    let dir = PathBuf::from("/var/lib/migbench/hosts").join(name);
    std::fs::create_dir_all(&dir).expect("host dir");
    let state = format!(
        r#"{{"spec":{{"name":"{name}","memory_bytes":268435456,"swap_bytes":0,"cpus":null}},
"cgroup":"migbench-{name}","bridge":"mb-{name}","pid":{pid},"daemon":{daemon},
"swap_file":null,"created_at":"2026-01-01T00:00:00Z"}}"#
    );
    std::fs::write(dir.join("state.json"), state).expect("state.json");
    dir
}

fn assert_untouched(child: &mut Child) {
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "the impostor was signalled"
    );
}

#[test]
fn host_down_leaves_a_process_that_reused_the_engine_pid_alone() {
    let _engine = common::engine_lock();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut other = impostor(tmp.path());
    let state_dir = fake_host_state("tpid", other.id(), "null");
    let output = migbench()
        .args(["host", "down", "tpid"])
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_untouched(&mut other);
    assert!(!state_dir.exists(), "the host's state is gone");
    other.kill().expect("kill impostor");
    other.wait().expect("reap");
}

#[test]
fn clean_leaves_a_process_with_another_start_time_alone() {
    let _engine = common::engine_lock();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut other = impostor(tmp.path());
    // The state says the engine was this pid, started at another moment.
    let stamp = format!(
        r#"{{"pid":{},"start_ticks":1,"boot_id":"{}"}}"#,
        other.id(),
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .expect("boot id")
            .trim()
    );
    let state_dir = fake_host_state("tpidclean", other.id(), &stamp);
    let output = migbench()
        .args(["clean", "--engine", "docker", "--endpoint", common::ENGINE])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("emulated host 'tpidclean' torn down"),
        "{stdout}"
    );
    assert_untouched(&mut other);
    assert!(!state_dir.exists(), "the host's state is gone");
    other.kill().expect("kill impostor");
    other.wait().expect("reap");
}

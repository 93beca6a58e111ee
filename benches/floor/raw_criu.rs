//! Raw CRIU: the workload as a plain process in a pid namespace of its own
//! (so that its restore can take the same pid), dumped with `criu dump` and
//! restored with `criu restore -d`: no runtime, no engine, the floor.
//!
//! `setsid` makes it a session leader, so CRIU needs no `--shell-job`; its
//! output goes to a file, which CRIU reopens at the same offset, provided
//! nothing else wrote to it meanwhile.

use super::figures::{criu_ms, Sample};
use super::processes::{self, ChildGuard, PidGuard};
use anyhow::{Context, Result};
use std::path::Path;
use std::process::{Command, Stdio};

/// Migrates one fresh workload (`workload` the binary, `args` its
/// arguments) with images under `dir`.
pub fn migrate_once(workload: &Path, args: &[String], dir: &Path) -> Result<Sample> {
    let images = dir.join("images");
    std::fs::create_dir_all(&images).context("cannot make the image directory")?;
    let log = dir.join("workload.log");
    // The shell opens the log for the workload alone: unshare writes a
    // complaint to its own stderr when its child dies, and a byte more in
    // the log makes CRIU refuse the restore ("File ... has bad size").
    let holder = Command::new("unshare")
        .args(["--pid", "--fork", "sh", "-c"])
        .arg(r#"exec setsid "$0" "$@" > "$FLOOR_LOG" 2>&1"#)
        .arg(workload)
        .args(args)
        .env("FLOOR_LOG", &log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start unshare")?;
    let mut holder = ChildGuard(holder);
    let pid = processes::wait_for("the workload under unshare", || {
        workload_child(holder.0.id(), workload)
    })?;
    let _original = PidGuard::open(pid)?;
    processes::warm_up(&log)?;

    let dump_log = images.join("dump.log");
    let checkpoint_ms = processes::timed(
        Command::new("criu")
            .args(["dump", "-t", &pid.to_string(), "-D"])
            .arg(&images)
            .args(["-o", "dump.log"]),
        &dump_log,
    )?;
    // The dump ended the workload, and so its holder.
    let _ = holder.0.wait();
    let before_seq = processes::last_seq(&log)?;

    let pidfile = dir.join("restored.pid");
    let restore_ms = processes::timed(
        Command::new("criu")
            .args(["restore", "-d", "-D"])
            .arg(&images)
            .args(["-o", "restore.log", "--pidfile"])
            .arg(&pidfile),
        &images.join("restore.log"),
    )?;
    let restored: u32 = std::fs::read_to_string(&pidfile)
        .context("CRIU wrote no pidfile")?
        .trim()
        .parse()
        .context("CRIU's pidfile holds no pid")?;
    let _restored = PidGuard::open(restored)?;
    let downtime_ms = processes::downtime_ms(&log, before_seq)?;
    Ok(Sample {
        checkpoint_ms,
        restore_ms,
        downtime_ms,
        criu_checkpoint_ms: criu_ms(&images, "stats-dump"),
        criu_restore_ms: criu_ms(&images, "stats-restore"),
    })
}

/// The child `unshare --fork` made, once it runs `workload` (after exec).
fn workload_child(holder: u32, workload: &Path) -> Option<u32> {
    let children =
        std::fs::read_to_string(format!("/proc/{holder}/task/{holder}/children")).ok()?;
    let pid: u32 = children.split_whitespace().next()?.parse().ok()?;
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
    (exe == workload).then_some(pid)
}

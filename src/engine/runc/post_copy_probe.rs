//! Whether CRIU on this machine can do post-copy: a small process is dumped
//! with its memory left behind a page server on loopback, then restored
//! lazily while CRIU's lazy-pages daemon fetches its pages from that server,
//! exactly the steps a post-copy migration takes (CRIU's own CLI, about a
//! second). Everything it starts is a child of migbench, ended with it.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// How long any step of the probe may take.
const STEP: Duration = Duration::from_secs(10);

/// `Ok` when a post-copy restore went through; otherwise CRIU's reason.
pub async fn probe() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a directory: {e}"))?;
    let images = dir.path();
    // In a pid namespace of its own: the dumped process stays frozen while
    // its pages are served, so its restore cannot take the same pid here.
    // `--kill-child`: the sleeper ends with its holder, whatever happens.
    let mut holder = spawn(Command::new("unshare").args([
        "--pid",
        "--fork",
        "--kill-child",
        "setsid",
        "sleep",
        "20",
    ]))?;
    let result = run(&holder, images).await;
    // The sleeper ends with its holder (a clone restored from it, only
    // where the probe succeeds, ends its sleep by itself).
    let _ = holder.kill().await;
    result
}

async fn run(holder: &Child, images: &Path) -> Result<(), String> {
    let pid = wait_for(|| holder.id().and_then(only_child), "the probe's process").await?;
    let port = free_port()?;
    let port_text = port.to_string();
    let mut dump = spawn(
        Command::new("criu")
            .args(["dump", "-t", &pid.to_string(), "-D"])
            .arg(images)
            .args([
                "--lazy-pages",
                "--address",
                "127.0.0.1",
                "--port",
                &port_text,
                "-o",
                "dump.log",
            ]),
    )?;
    wait_for(|| listening(port).then_some(()), "CRIU's page server").await?;
    let _daemon = spawn(
        Command::new("criu")
            .args([
                "lazy-pages",
                "--page-server",
                "--address",
                "127.0.0.1",
                "--port",
                &port_text,
            ])
            .arg("-D")
            .arg(images)
            .args(["-o", "lazy.log"]),
    )?;
    let socket = images.join("lazy-pages.socket");
    wait_for(|| socket.exists().then_some(()), "CRIU's lazy-pages daemon").await?;
    let restored = Command::new("criu")
        .args(["restore", "--lazy-pages", "-d", "-D"])
        .arg(images)
        .args(["-o", "restore.log"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .status();
    let restored = tokio::time::timeout(STEP, restored).await;
    let dumped = tokio::time::timeout(STEP, dump.wait()).await;
    let ok =
        matches!(restored, Ok(Ok(s)) if s.success()) && matches!(dumped, Ok(Ok(s)) if s.success());
    if ok {
        return Ok(());
    }
    let log = std::fs::read_to_string(images.join("dump.log")).unwrap_or_default();
    Err(format!(
        "{}{}",
        why(&log),
        pipe_limit_hint().unwrap_or_default()
    ))
}

/// The page server's pipe: CRIU asks for PIPE_MAX_SIZE pages (about
/// 3.3 MB, 4 MiB once the kernel rounds it).
const PAGE_PIPE_BYTES: u64 = 4 << 20;
/// CAP_SYS_RESOURCE, which lets a process grow a pipe past fs.pipe-max-size.
const CAP_SYS_RESOURCE: u32 = 24;

/// Why CRIU 4.x's page server fails where a process may not grow a pipe to
/// 4 MiB: its resize fails, it goes on without its sink (fd -1), serves the
/// first page and then fails every splice (`Bad file descriptor`).
fn pipe_limit_hint() -> Option<String> {
    let max: u64 = std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let effective = status.lines().find_map(|l| l.strip_prefix("CapEff:"))?;
    let caps = u64::from_str_radix(effective.trim(), 16).ok()?;
    (max < PAGE_PIPE_BYTES && caps & (1 << CAP_SYS_RESOURCE) == 0).then(|| {
        format!(
            " (CRIU's page server needs a pipe of 4 MiB: fs.pipe-max-size is {max} bytes here \
             and this root lacks CAP_SYS_RESOURCE; `sysctl -w fs.pipe-max-size=4194304` \
             lets CRIU through)"
        )
    })
}

fn spawn(command: &mut Command) -> Result<Child, String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", command.as_std().get_program()))
}

async fn wait_for<T>(mut ready: impl FnMut() -> Option<T>, what: &str) -> Result<T, String> {
    let started = Instant::now();
    loop {
        if let Some(value) = ready() {
            return Ok(value);
        }
        if started.elapsed() > STEP {
            return Err(format!("{what} was not there within {} s", STEP.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The one child of `pid` (the sleeper `unshare --fork` made).
fn only_child(pid: u32) -> Option<u32> {
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
    children.split_whitespace().next()?.parse().ok()
}

/// A loopback port nobody listens on now.
fn free_port() -> Result<u16, String> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// Whether something listens on loopback `port` (from /proc/net/tcp, so as
/// not to connect: the page server takes one connection only).
fn listening(port: u16) -> bool {
    let wanted = format!("0100007F:{port:04X}");
    std::fs::read_to_string("/proc/net/tcp").is_ok_and(|table| {
        table.lines().any(|line| {
            let mut fields = line.split_whitespace();
            fields.nth(1) == Some(wanted.as_str()) && fields.nth(1) == Some("0A")
        })
    })
}

/// CRIU's reason from the dump side's log: its last errors up to the
/// first "... FAILED." line, that line included.
fn why(log: &str) -> String {
    let mut errors = Vec::new();
    for line in log.lines() {
        let Some(at) = line.find("Error (") else {
            continue;
        };
        let error = &line[at..];
        let message = error.split_once("): ").map_or(error, |(_, m)| m).trim();
        errors.push(message);
        if message.ends_with("FAILED.") {
            break;
        }
    }
    match errors.len() {
        0 => "the post-copy restore failed and CRIU's dump logged no error".into(),
        n => errors[n.saturating_sub(2)..].join(" then "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_is_the_error_that_failed_the_transfer() {
        let log = "(00.01) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE\n\
                   (00.31) Error (criu/page-pipe.c:424): page-pipe: splice: -1: Bad file descriptor\n\
                   (00.31) Error (criu/cr-dump.c:2019): Lazy pages transfer FAILED.\n\
                   (00.31) Error (criu/cr-dump.c:2111): Dumping FAILED.\n";
        assert_eq!(
            why(log),
            "page-pipe: splice: -1: Bad file descriptor then Lazy pages transfer FAILED."
        );
        assert!(why("").contains("no error"));
    }
}

//! An engine's unix socket on another machine, forwarded over SSH to a local
//! socket in a private directory (0700: whoever reaches the socket is root on
//! that machine). The tunnel is one `ssh -N -L` process, recorded with its
//! [`ProcessStamp`] (and its owner's) in the directory, and stopped, only if
//! provably that process, when the [`Tunnel`] is dropped; `migbench clean`
//! stops the tunnels of migbench processes that are gone ([`clean_orphans`]).

use super::access::Access;
use super::ssh_error::{classify, tail, SshError};
use crate::process::{self, ProcessStamp};
use serde::{Deserialize, Serialize};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Names the private directories of tunnels (under the temporary directory).
const PREFIX: &str = "migbench-ssh-";
const SOCKET: &str = "engine.sock";
const LOG: &str = "ssh.log";
const RECORD: &str = "tunnel.json";
/// How long the tunnel may take to answer (ssh's own connect timeout is 10 s).
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one request through the tunnel may take to be answered.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a stopped tunnel may take to exit before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(2);
/// A directory without its record younger than this may be a tunnel being opened.
const UNRECORDED_GRACE: Duration = Duration::from_secs(60);

/// Who opened a tunnel, and the tunnel's process.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    owner: ProcessStamp,
    tunnel: ProcessStamp,
    destination: String,
}

/// A running `ssh -N -L` forward; dropping it stops the process and removes
/// its directory.
pub struct Tunnel {
    child: Child,
    stamp: Option<ProcessStamp>,
    dir: tempfile::TempDir,
    destination: String,
}

/// What a request through the tunnel met.
enum Answer {
    /// An HTTP answer: the engine's socket is there.
    Http,
    /// The local socket is not listening yet.
    NotYet,
    /// The connection was closed (or answered with no HTTP): nothing behind it.
    Silent(String),
}

impl Tunnel {
    /// Forwards `remote_socket` on `access`'s machine to a local socket and
    /// waits until the socket there answers an HTTP request.
    pub async fn open(access: &Access, remote_socket: &Path) -> Result<Tunnel, SshError> {
        let temp = std::env::temp_dir();
        let dir = tempfile::Builder::new()
            .prefix(PREFIX)
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()
            .map_err(|source| SshError::Io {
                what: "cannot create the SSH tunnel's private directory in".into(),
                path: temp.clone(),
                source,
            })?;
        let log_path = dir.path().join(LOG);
        let log = std::fs::File::create(&log_path).map_err(|source| SshError::Io {
            what: "cannot create the SSH tunnel's log".into(),
            path: log_path.clone(),
            source,
        })?;
        let mut command = Command::new("ssh");
        command
            .args(access.tunnel_args(&dir.path().join(SOCKET), remote_socket))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            // Its own process group: a Ctrl-C meant for migbench must not cut
            // the tunnel its clean-up still needs.
            .process_group(0);
        // SAFETY: `pre_exec` is unsafe by nature (code between fork and exec;
        // no crate can make it safe); prctl is async-signal-safe and touches
        // only the child. The tunnel dies with migbench even when migbench
        // cannot stop it (kill -9).
        unsafe {
            command.pre_exec(|| {
                rustix::process::set_parent_process_death_signal(Some(
                    rustix::process::Signal::TERM,
                ))?;
                Ok(())
            });
        }
        let child = command.spawn().map_err(SshError::NoClient)?;
        let mut tunnel = Tunnel {
            stamp: ProcessStamp::of(child.id()),
            child,
            dir,
            destination: access.destination.to_string(),
        };
        tunnel.record()?;
        tunnel.wait_ready(access, remote_socket).await?;
        Ok(tunnel)
    }

    /// The local end: `unix://<private dir>/engine.sock`.
    pub fn local_endpoint(&self) -> String {
        format!("unix://{}", self.local_socket().display())
    }

    fn local_socket(&self) -> PathBuf {
        self.dir.path().join(SOCKET)
    }

    /// The tunnel's process, for tests and diagnostics.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Why the tunnel no longer forwards, once its process has exited.
    pub fn exited(&self) -> Option<String> {
        if process::is_alive(self.child.id()) {
            return None;
        }
        let said = tail(&self.log_text());
        Some(format!(
            "the SSH tunnel to '{}' exited{}",
            self.destination,
            if said.is_empty() {
                String::new()
            } else {
                format!(": {said}")
            }
        ))
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join(LOG)).unwrap_or_default()
    }

    fn record(&self) -> Result<(), SshError> {
        let path = self.dir.path().join(RECORD);
        let (Some(owner), Some(tunnel)) = (ProcessStamp::of(std::process::id()), &self.stamp)
        else {
            // Without a stamp the process cannot be proved ours later: only
            // this handle may stop it (it holds the unreaped child).
            return Ok(());
        };
        let record = Record {
            owner,
            tunnel: tunnel.clone(),
            destination: self.destination.clone(),
        };
        let text = serde_json::to_string(&record).unwrap_or_default();
        std::fs::write(&path, text).map_err(|source| SshError::Io {
            what: "cannot record the SSH tunnel".into(),
            path,
            source,
        })
    }

    async fn wait_ready(&mut self, access: &Access, remote: &Path) -> Result<(), SshError> {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let what = format!("forward '{}'", remote.display());
                return Err(classify(access, &what, &self.log_text(), status.code()));
            }
            match answer(&self.local_socket()).await {
                Answer::Http => return Ok(()),
                Answer::Silent(why) => {
                    // ssh logs why the channel failed a moment after closing it.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    let said = tail(&self.log_text());
                    return Err(SshError::SocketSilent {
                        destination: self.destination.clone(),
                        socket: remote.to_path_buf(),
                        detail: if said.is_empty() { why } else { said },
                    });
                }
                Answer::NotYet => {}
            }
            if started.elapsed() > READY_TIMEOUT {
                return Err(SshError::Unreachable {
                    destination: self.destination.clone(),
                    detail: format!("no tunnel within {} s", READY_TIMEOUT.as_secs()),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Sends `GET /_ping` through the local socket (both engines answer it).
async fn answer(socket: &Path) -> Answer {
    let Ok(mut stream) = tokio::net::UnixStream::connect(socket).await else {
        return Answer::NotYet;
    };
    let request = b"GET /_ping HTTP/1.1\r\nHost: engine\r\nConnection: close\r\n\r\n";
    let asked = async {
        stream.write_all(request).await?;
        let mut head = [0u8; 5];
        let mut read = 0;
        while read < head.len() {
            match stream.read(&mut head[read..]).await? {
                0 => break,
                n => read += n,
            }
        }
        Ok::<_, std::io::Error>(head[..read].to_vec())
    };
    match tokio::time::timeout(ANSWER_TIMEOUT, asked).await {
        Ok(Ok(head)) if head.starts_with(b"HTTP/") => Answer::Http,
        Ok(Ok(head)) if head.is_empty() => Answer::Silent("the connection was closed".into()),
        Ok(Ok(_)) => Answer::Silent("the answer is not HTTP".into()),
        Ok(Err(e)) => Answer::Silent(e.to_string()),
        Err(_) => Answer::Silent(format!("no answer within {} s", ANSWER_TIMEOUT.as_secs())),
    }
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        if let Some(stamp) = &self.stamp {
            let ours = |_| stamp.is_current();
            if process::signal_if(stamp.pid, libc::SIGTERM, ours) {
                let asked = Instant::now();
                while matches!(self.child.try_wait(), Ok(None)) && asked.elapsed() < STOP_GRACE {
                    std::thread::sleep(Duration::from_millis(20));
                }
                process::signal_if(stamp.pid, libc::SIGKILL, ours);
            }
        }
        let asked = Instant::now();
        while matches!(self.child.try_wait(), Ok(None)) && asked.elapsed() < STOP_GRACE {
            std::thread::sleep(Duration::from_millis(20));
        }
        // The directory (socket, log, record) goes with `self.dir`.
    }
}

/// Stops the tunnels of migbench processes that are gone (killed, crashed)
/// and removes their directories; a tunnel whose owner still runs is left
/// alone. Returns one line per action.
pub fn clean_orphans() -> Vec<String> {
    let mut lines = Vec::new();
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return lines;
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        let named = entry.file_name().to_string_lossy().starts_with(PREFIX);
        if !named || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let record = std::fs::read_to_string(dir.join(RECORD))
            .ok()
            .and_then(|text| serde_json::from_str::<Record>(&text).ok());
        match &record {
            Some(record) if record.owner.is_current() => {
                lines.push(format!(
                    "SSH tunnel to '{}' belongs to migbench pid {} still going: left alone",
                    record.destination, record.owner.pid
                ));
                continue;
            }
            Some(record) => {
                let tunnel = &record.tunnel;
                if process::signal_if(tunnel.pid, libc::SIGTERM, |_| tunnel.is_current()) {
                    lines.push(format!(
                        "stopped the SSH tunnel to '{}' (pid {})",
                        record.destination, tunnel.pid
                    ));
                }
            }
            None if recently_made(&dir) => continue,
            None => {}
        }
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => lines.push(format!("removed '{}'", dir.display())),
            Err(e) => lines.push(format!("cannot remove '{}': {e}", dir.display())),
        }
    }
    lines
}

fn recently_made(dir: &Path) -> bool {
    std::fs::metadata(dir)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_none_or(|age| age < UNRECORDED_GRACE)
}

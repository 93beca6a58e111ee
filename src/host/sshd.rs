//! An emulated host's own sshd, so that checkpoints reach it over SSH
//! (`transfer.mode = "ssh"`) and its engine can be reached at `ssh://`, as
//! a real machine's would. migbench makes the keys (ssh-keygen): a host key,
//! and a client key pair whose public half is the only authorised key; root
//! logs in by that key only, no password, only local forwards (the engine's
//! socket), and sshd listens on the host's address only. It runs
//! inside the host's budget (a real host pays for receiving its checkpoints),
//! is recorded with its [`ProcessStamp`], and is stopped, its keys and config
//! removed, at teardown.

use super::dockerd::spawn_in_budget;
use super::host_error::{io_error, HostError};
pub use super::state::SshdState;
use super::state::{list, HostState};
use crate::process::{self, ProcessStamp};
use crate::ssh::{Access, Destination};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// sshd must be started by its absolute path (it re-executes itself per connection).
pub const SSHD: &str = "/usr/sbin/sshd";
/// sshd's privilege-separation directory: it refuses to start without it.
const PRIVSEP_DIR: &str = "/run/sshd";
/// The login on an emulated host.
const LOGIN: &str = "root";
/// How long sshd may take to listen.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a stopped sshd may take to exit before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Where an sshd listens: an address, inside a network namespace or not.
#[derive(Debug, Clone, PartialEq)]
pub struct Listen {
    pub address: IpAddr,
    /// `/run/netns/NAME`: the host's own namespace, which sshd runs in.
    pub netns: Option<PathBuf>,
}

impl Listen {
    /// Loopback, on the machine's own network: a host without a network of its own.
    pub fn loopback() -> Listen {
        Listen {
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            netns: None,
        }
    }
}

/// The files of a host's sshd, all in `<host>/ssh/` (0700).
pub struct Files {
    pub dir: PathBuf,
    pub host_key: PathBuf,
    pub client_key: PathBuf,
    pub authorized_keys: PathBuf,
    pub known_hosts: PathBuf,
    pub config: PathBuf,
    pub log: PathBuf,
    pub pid: PathBuf,
}

/// The sshd files of `host`.
pub fn files(host: &HostState) -> Files {
    Files::in_dir(host.base_dir().join("ssh"))
}

impl Files {
    /// The files of an sshd kept in `dir`.
    pub fn in_dir(dir: PathBuf) -> Files {
        Files {
            host_key: dir.join("host_ed25519"),
            client_key: dir.join("client_ed25519"),
            authorized_keys: dir.join("authorized_keys"),
            known_hosts: dir.join("known_hosts"),
            config: dir.join("sshd_config"),
            log: dir.join("sshd.log"),
            pid: dir.join("sshd.pid"),
            dir,
        }
    }
}

/// The sshd config: this host's key, the one client key, root by key only,
/// local forwards only (the engine's socket), no session frills; enough unauthenticated connections at once for a run's
/// concurrent transfers.
pub fn config_text(files: &Files, listen: IpAddr, port: u16) -> String {
    let path = |p: &Path| p.display().to_string();
    [
        format!("ListenAddress {}", SocketAddr::new(listen, port)),
        format!("HostKey {}", path(&files.host_key)),
        format!("PidFile {}", path(&files.pid)),
        format!("AuthorizedKeysFile {}", path(&files.authorized_keys)),
        format!("AllowUsers {LOGIN}"),
        "PermitRootLogin prohibit-password".into(),
        "PubkeyAuthentication yes".into(),
        "PasswordAuthentication no".into(),
        "KbdInteractiveAuthentication no".into(),
        "HostbasedAuthentication no".into(),
        "UsePAM no".into(),
        "StrictModes yes".into(),
        // OpenSSH lets unix-socket forwards through only where local TCP
        // forwards are allowed too; the key's holder is root there anyway.
        "AllowTcpForwarding local".into(),
        "AllowStreamLocalForwarding local".into(),
        "AllowAgentForwarding no".into(),
        "X11Forwarding no".into(),
        "PermitTunnel no".into(),
        "PermitUserEnvironment no".into(),
        "PrintMotd no".into(),
        "MaxStartups 256".into(),
        "LogLevel VERBOSE".into(),
    ]
    .join("\n")
        + "\n"
}

/// The one authorised key: the client key, restricted to what migbench does
/// (commands and local socket forwards; no pty, agent or X11).
pub fn authorized_line(client_public_key: &str) -> String {
    format!("restrict,port-forwarding {}\n", client_public_key.trim())
}

fn keygen(path: &Path, comment: &str) -> Result<(), HostError> {
    let output = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
        .arg(path)
        .output()
        .map_err(|e| HostError::Command {
            command: "ssh-keygen".into(),
            detail: format!("{e}: install OpenSSH's client (scripts/provision.sh does)"),
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(HostError::Command {
            command: format!("ssh-keygen -f {}", path.display()),
            detail: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}

fn write_private(path: &Path, text: &str) -> Result<(), HostError> {
    std::fs::write(path, text).map_err(io_error("cannot write", path))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(io_error("cannot restrict", path))
}

/// A port free on `address` now (sshd takes it a moment later).
fn free_port(address: IpAddr) -> Result<u16, HostError> {
    std::net::TcpListener::bind((address, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|source| HostError::Io {
            what: "cannot find a free port for sshd on".into(),
            path: PathBuf::from(address.to_string()),
            source,
        })
}

/// The command that runs sshd in the foreground (`spawn_in_budget` execs it,
/// through `nsenter --net` into the host's namespace when it has one).
pub fn command(files: &Files) -> String {
    let q = |p: &Path| {
        let text = p.display().to_string();
        shlex::try_quote(&text).map_or(text.clone(), |q| q.into_owned())
    };
    format!("{SSHD} -D -f {} -E {}", q(&files.config), q(&files.log))
}

/// Makes the keys and config of `host`'s sshd, starts it inside the host's
/// budget listening at `listen`, records it in the state, and waits until
/// it answers.
pub fn start(host: &mut HostState, listen: Listen) -> Result<(), HostError> {
    if !Path::new(SSHD).exists() {
        return Err(HostError::Command {
            command: SSHD.into(),
            detail: "not installed: install openssh-server (scripts/provision.sh does; it does not start the system's sshd)".into(),
        });
    }
    let privsep = Path::new(PRIVSEP_DIR);
    std::fs::create_dir_all(privsep).map_err(io_error("cannot create", privsep))?;
    let files = files(host);
    // In a namespace of its own the host's address is its own: the usual port.
    let port = match listen.netns {
        Some(_) => 22,
        None => free_port(listen.address)?,
    };
    prepare(
        &files,
        &format!("migbench-{}", host.spec.name),
        listen.address,
        port,
    )?;
    let pid = spawn_in_budget(host, &command(&files), &[])?;
    host.sshd = Some(SshdState {
        process: ProcessStamp::of(pid),
        address: listen.address,
        port,
        netns: listen.netns,
    });
    host.save()?;
    wait_listening(host, pid, &files.log)
}

/// Writes into `files.dir` (made anew, 0700) the host and client keys, the
/// one authorised key, the config for `address:port`, and the known-hosts
/// file a client checks the host key with.
pub fn prepare(files: &Files, comment: &str, address: IpAddr, port: u16) -> Result<(), HostError> {
    if files.dir.exists() {
        std::fs::remove_dir_all(&files.dir).map_err(io_error("cannot clear", &files.dir))?;
    }
    std::fs::create_dir_all(&files.dir).map_err(io_error("cannot create", &files.dir))?;
    std::fs::set_permissions(&files.dir, std::fs::Permissions::from_mode(0o700))
        .map_err(io_error("cannot restrict", &files.dir))?;
    keygen(&files.host_key, comment)?;
    keygen(&files.client_key, comment)?;
    let public = |key: &Path| {
        let path = key.with_extension("pub");
        std::fs::read_to_string(&path).map_err(io_error("cannot read", &path))
    };
    write_private(
        &files.authorized_keys,
        &authorized_line(&public(&files.client_key)?),
    )?;
    write_private(&files.config, &config_text(files, address, port))?;
    let known = format!(
        "{} {}\n",
        destination(address, port).known_hosts_name(),
        public(&files.host_key)?.trim()
    );
    write_private(&files.known_hosts, &known)
}

fn destination(address: IpAddr, port: u16) -> Destination {
    Destination {
        user: Some(LOGIN.into()),
        host: address.to_string(),
        port: Some(port),
    }
}

/// Whether the sshd `pid` greets a connection at `address` (`SSH-2.0-...`)
/// within [`LISTEN_TIMEOUT`].
fn greets(address: SocketAddr, pid: u32) -> bool {
    use std::io::Read;
    let started = Instant::now();
    while started.elapsed() < LISTEN_TIMEOUT && process::is_alive(pid) {
        if let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(1)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut greeting = [0u8; 4];
            if stream.read_exact(&mut greeting).is_ok() && &greeting == b"SSH-" {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Waits until the host's sshd answers; the error has the end of its log.
fn wait_listening(host: &HostState, pid: u32, log: &Path) -> Result<(), HostError> {
    let Some(state) = &host.sshd else {
        return Ok(());
    };
    let address = SocketAddr::new(state.address, state.port);
    if greets(address, pid) {
        return Ok(());
    }
    let said = std::fs::read_to_string(log).unwrap_or_default();
    let last = said.lines().rev().take(3).collect::<Vec<_>>().join("; ");
    Err(HostError::Command {
        command: format!("{SSHD} for host '{}'", host.spec.name),
        detail: format!(
            "it did not listen on {address} within {} s ({}; more in '{}')",
            LISTEN_TIMEOUT.as_secs(),
            if last.is_empty() { "no log" } else { &last },
            host.log_file().display()
        ),
    })
}

/// Stops the host's sshd, only if its pid is provably that sshd (same boot
/// and start time) or a process of the host's cgroup, and removes its keys,
/// config and log.
pub async fn stop(host: &HostState) {
    if let Some(stamp) = host.sshd.as_ref().and_then(|s| s.process.as_ref()) {
        let ours = |pid: u32| {
            (stamp.pid == pid && stamp.is_current()) || process::in_cgroup(pid, &host.cgroup)
        };
        if process::signal_if(stamp.pid, libc::SIGTERM, ours) {
            let asked = Instant::now();
            while process::is_alive(stamp.pid) && asked.elapsed() < STOP_GRACE {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            process::signal_if(stamp.pid, libc::SIGKILL, ours);
            process::reap(stamp.pid, false);
        }
    }
    let dir = files(host).dir;
    if dir.exists() {
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            tracing::error!(
                "cannot remove the ssh keys of host '{}' at '{}': {e}",
                host.spec.name,
                dir.display()
            );
        }
    }
}

/// The log of `host`'s sshd (every login), when it runs one.
pub fn log_file(host: &HostState) -> Option<PathBuf> {
    host.sshd.as_ref().map(|_| files(host).log)
}

/// How migbench reaches `host` over SSH, when it runs an sshd.
pub fn access(host: &HostState) -> Option<Access> {
    let state = host.sshd.as_ref()?;
    let files = files(host);
    Some(Access {
        destination: destination(state.address, state.port),
        identity: Some(files.client_key),
        known_hosts: Some(files.known_hosts),
    })
}

/// How to reach `destination`: an emulated host's own way (its client key
/// and known hosts) when it is one's sshd, else the user's (ssh config and
/// agent), offering `identity` alone when given.
pub fn access_to(destination: &Destination, identity: Option<PathBuf>) -> Access {
    let own = list().unwrap_or_default().iter().find_map(|host| {
        access(host).filter(|own| {
            own.destination.host == destination.host
                && destination.port.unwrap_or(22) == own.destination.port.unwrap_or(22)
        })
    });
    match own {
        Some(own) => Access {
            destination: destination.clone(),
            identity: identity.or(own.identity),
            known_hosts: own.known_hosts,
        },
        None => Access {
            destination: destination.clone(),
            identity,
            known_hosts: None,
        },
    }
}

#[cfg(test)]
#[path = "sshd_tests.rs"]
mod tests;

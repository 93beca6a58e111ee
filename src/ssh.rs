//! SSH, the way people reach engines on other machines and move files between
//! them: the system's OpenSSH client with fixed options (never a prompt,
//! never a password). [`Destination`] is `[user@]host[:port]`,
//! [`SshEndpoint`] an engine's `ssh://[user@]host[:port]/path/to/engine.sock`
//! (the Docker and Podman CLIs' convention), [`Access`] a destination with the
//! identity and known hosts to use. `tunnel` forwards an engine's unix socket
//! to a private local one; `upload` streams a directory into a remote one.
//!
//! Why SSH at all: an engine API on plain TCP is root on its host for anyone
//! who can reach the port; over SSH only holders of an authorised key can.

mod tunnel;
mod upload;

pub use tunnel::{clean_orphans, Tunnel};
pub use upload::{probe_dir, upload_dir};

use serde::Serialize;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The longest unix socket path (`sun_path` holds 108 bytes with its NUL).
pub const MAX_SOCKET_BYTES: usize = 107;
/// How long ssh may take to connect before it gives up.
const CONNECT_TIMEOUT_S: u32 = 10;
/// Longest user and host names accepted (Linux logins; DNS names).
const MAX_USER_CHARS: usize = 32;
const MAX_HOST_CHARS: usize = 253;

/// Where an SSH connection goes: `[user@]host[:port]` (an IPv6 address in brackets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Destination {
    /// The login; `None`: ssh's default (the ssh config's, else the local user).
    pub user: Option<String>,
    /// A host name, an IPv4 address or an IPv6 address (without brackets).
    pub host: String,
    /// `None`: ssh's default (the ssh config's, else 22).
    pub port: Option<u16>,
}

impl Destination {
    /// Parses `[user@]host[:port]`; the error says what is wrong (the caller quotes the value).
    pub fn parse(text: &str) -> Result<Destination, String> {
        let (user, rest) = match text.split_once('@') {
            Some((user, rest)) => (Some(user), rest),
            None => (None, text),
        };
        if let Some(user) = user {
            let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
            if user.is_empty()
                || user.len() > MAX_USER_CHARS
                || user.starts_with('-')
                || !user.chars().all(allowed)
            {
                return Err(format!(
                    "the user must be 1 to {MAX_USER_CHARS} letters, digits, '.', '_' or '-', not starting with '-'"
                ));
            }
        }
        let (host, port) = split_port(rest)?;
        Ok(Destination {
            user: user.map(str::to_string),
            host,
            port,
        })
    }

    /// `host` as ssh's known_hosts file names it.
    pub fn known_hosts_name(&self) -> String {
        match self.port {
            Some(port) if port != 22 => format!("[{}]:{port}", self.host),
            _ => self.host.clone(),
        }
    }
}

/// Splits `host[:port]` or `[v6]:port`.
fn split_port(text: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(bracketed) = text.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or("an IPv6 address in brackets lacks its ']'")?;
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err("the bracketed host must be an IPv6 address".into());
        }
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return Err("only ':port' may follow an IPv6 address".into()),
            },
        }
    } else {
        match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    if !host.contains(':') {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        if host.is_empty()
            || host.len() > MAX_HOST_CHARS
            || host.starts_with(['-', '.'])
            || !host.chars().all(allowed)
        {
            return Err(format!(
                "the host must be a name or an address of 1 to {MAX_HOST_CHARS} letters, digits, '.', '-' or '_' (an IPv6 address in brackets)"
            ));
        }
    }
    let port = match port {
        None => None,
        Some(port) => match port.parse::<u16>() {
            Ok(port) if port > 0 => Some(port),
            _ => return Err(format!("the port must be 1 to 65535, got '{port}'")),
        },
    };
    Ok((host.to_string(), port))
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        match (self.host.contains(':'), self.port) {
            (true, Some(port)) => write!(f, "[{}]:{port}", self.host),
            (true, None) => write!(f, "[{}]", self.host),
            (false, Some(port)) => write!(f, "{}:{port}", self.host),
            (false, None) => write!(f, "{}", self.host),
        }
    }
}

impl From<Destination> for String {
    fn from(value: Destination) -> String {
        value.to_string()
    }
}

/// An engine reached over SSH: `ssh://[user@]host[:port]/path/to/engine.sock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshEndpoint {
    pub destination: Destination,
    /// The engine's unix socket on that machine.
    pub socket: PathBuf,
}

impl SshEndpoint {
    /// `None` for an endpoint of another scheme; the error says what is wrong.
    pub fn parse(endpoint: &str) -> Result<Option<SshEndpoint>, String> {
        let Some(rest) = endpoint.strip_prefix("ssh://") else {
            return Ok(None);
        };
        let Some(slash) = rest.find('/') else {
            return Err("names no socket: use ssh://[user@]host[:port]/path/to/engine.sock".into());
        };
        let (authority, socket) = rest.split_at(slash);
        let destination = Destination::parse(authority)?;
        if socket.len() < 2 {
            return Err("names no socket path after the host".into());
        }
        if socket.len() > MAX_SOCKET_BYTES {
            return Err(format!(
                "the socket path has {} bytes: a unix socket path has at most {MAX_SOCKET_BYTES}",
                socket.len()
            ));
        }
        // ssh -L separates its fields with ':'.
        if socket.contains(':') || socket.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err("the socket path may hold no ':', space or control character".into());
        }
        Ok(Some(SshEndpoint {
            destination,
            socket: PathBuf::from(socket),
        }))
    }
}

/// A destination with the identity and known hosts to reach it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub destination: Destination,
    /// The private key to offer, alone (`ssh -i`); `None`: the user's
    /// ssh-agent and ssh config decide.
    pub identity: Option<PathBuf>,
    /// A known-hosts file of migbench's own (an emulated host's): then it is
    /// the only one, checked strictly, and the user's ssh config is not read.
    pub known_hosts: Option<PathBuf>,
}

impl Access {
    /// The destination reached the user's way (ssh config, agent, known hosts).
    pub fn new(destination: Destination) -> Access {
        Access {
            destination,
            identity: None,
            known_hosts: None,
        }
    }

    /// The options every ssh call gets: no prompt, a connect timeout, the
    /// identity and known hosts, port and user.
    fn options(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = Vec::new();
        let mut options = vec![
            "BatchMode=yes".to_string(),
            format!("ConnectTimeout={CONNECT_TIMEOUT_S}"),
        ];
        if let Some(known_hosts) = &self.known_hosts {
            // Nothing of the user's ssh config may change how migbench's own host is reached.
            args.extend(["-F".into(), "none".into()]);
            options.extend([
                format!("UserKnownHostsFile={}", known_hosts.display()),
                "GlobalKnownHostsFile=/dev/null".into(),
                "StrictHostKeyChecking=yes".into(),
            ]);
        }
        if self.identity.is_some() {
            options.push("IdentitiesOnly=yes".into());
        }
        for option in options {
            args.extend(["-o".into(), option.into()]);
        }
        if let Some(identity) = &self.identity {
            args.extend(["-i".into(), identity.as_os_str().to_owned()]);
        }
        if let Some(port) = self.destination.port {
            args.extend(["-p".into(), port.to_string().into()]);
        }
        if let Some(user) = &self.destination.user {
            args.extend(["-l".into(), user.into()]);
        }
        args
    }

    /// `ssh` arguments that forward `remote` (a unix socket there) to `local`
    /// (a unix socket here) and run nothing else.
    pub fn tunnel_args(&self, local: &Path, remote: &Path) -> Vec<OsString> {
        let mut args = self.options();
        for option in [
            "ExitOnForwardFailure=yes",
            "StreamLocalBindUnlink=yes",
            "ServerAliveInterval=15",
        ] {
            args.extend(["-o".into(), option.into()]);
        }
        let mut forward = local.as_os_str().to_owned();
        forward.push(":");
        forward.push(remote.as_os_str());
        args.extend(["-N".into(), "-L".into(), forward]);
        args.extend(["--".into(), self.destination.host.clone().into()]);
        args
    }

    /// `ssh` arguments that run `remote_command` (a shell line) there.
    pub fn command_args(&self, remote_command: &str) -> Vec<OsString> {
        let mut args = self.options();
        args.extend([
            "--".into(),
            self.destination.host.clone().into(),
            remote_command.into(),
        ]);
        args
    }

    /// The command a user runs to connect by hand (and check the host key).
    fn by_hand(&self) -> String {
        let mut line = String::from("ssh");
        if let Some(port) = self.destination.port {
            line.push_str(&format!(" -p {port}"));
        }
        if let Some(identity) = &self.identity {
            line.push_str(&format!(" -i {}", identity.display()));
        }
        if let Some(user) = &self.destination.user {
            line.push_str(&format!(" {user}@{}", self.destination.host));
        } else {
            line.push_str(&format!(" {}", self.destination.host));
        }
        line
    }
}

/// What went wrong reaching a destination over SSH, with what to do.
#[derive(Debug, thiserror::Error)]
pub enum SshError {
    #[error("SSH to '{destination}' refused every key offered: add the public key of the identity used (ssh_identity, else your ssh-agent's or ~/.ssh/id_*) to the authorized_keys of that login there")]
    NoKey { destination: String },
    #[error("the host key of '{destination}' is not known here (or it changed): check and accept it by connecting once by hand (`{by_hand}`)")]
    HostKeyUnknown {
        destination: String,
        by_hand: String,
    },
    #[error("cannot reach '{destination}' over SSH ({detail}): is sshd running there, and are the host and port right?")]
    Unreachable { destination: String, detail: String },
    #[error("the socket '{socket}' on '{destination}' does not answer through the SSH tunnel ({detail}): check the path (the engine's own socket on that machine) and that the engine runs there")]
    SocketSilent {
        destination: String,
        socket: PathBuf,
        detail: String,
    },
    #[error("SSH to '{destination}': cannot {what}: {detail}")]
    Failed {
        destination: String,
        what: String,
        detail: String,
    },
    #[error("{what} '{path}': {source}")]
    Io {
        what: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot run `ssh` ({0}): install OpenSSH's client (scripts/provision.sh does)")]
    NoClient(std::io::Error),
}

/// The last lines ssh wrote (its own warnings left out), bounded.
fn tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Warning: Permanently added"))
        .collect();
    let start = lines.len().saturating_sub(3);
    let text: Vec<String> = lines[start..]
        .iter()
        .map(|l| l.chars().take(300).collect())
        .collect();
    text.join("; ")
}

/// Turns what ssh wrote on its failure to `what` into the error that says what to do.
fn classify(access: &Access, what: &str, stderr: &str, status: Option<i32>) -> SshError {
    let destination = access.destination.to_string();
    let has = |needle: &str| stderr.contains(needle);
    if has("Permission denied") {
        return SshError::NoKey { destination };
    }
    if has("Host key verification failed") || has("IDENTIFICATION HAS CHANGED") {
        return SshError::HostKeyUnknown {
            destination,
            by_hand: access.by_hand(),
        };
    }
    let unreachable = [
        "Could not resolve hostname",
        "Connection refused",
        "Connection timed out",
        "No route to host",
        "Network is unreachable",
        "Connection closed by",
        "Connection reset",
        "kex_exchange_identification",
    ];
    if unreachable.iter().any(|needle| has(needle)) {
        return SshError::Unreachable {
            destination,
            detail: tail(stderr),
        };
    }
    let detail = match (tail(stderr), status) {
        (text, _) if !text.is_empty() => text,
        (_, Some(code)) => format!("ssh exited with {code} and said nothing"),
        (_, None) => "ssh was killed by a signal".into(),
    };
    SshError::Failed {
        destination,
        what: what.to_string(),
        detail,
    }
}

#[cfg(test)]
mod tests;

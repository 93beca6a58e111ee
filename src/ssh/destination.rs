//! Where an SSH connection goes: [`Destination`] is `[user@]host[:port]`,
//! [`SshEndpoint`] an engine's `ssh://[user@]host[:port]/path/to/engine.sock`
//! (the Docker and Podman CLIs' convention).

use serde::Serialize;
use std::path::PathBuf;

/// The longest unix socket path (`sun_path` holds 108 bytes with its NUL).
pub const MAX_SOCKET_BYTES: usize = 107;
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

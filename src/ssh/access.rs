//! [`Access`]: a destination with the identity and known hosts to use, and
//! the fixed options every ssh command gets (never a prompt, never a password).

use super::destination::Destination;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// How long ssh may take to connect before it gives up.
const CONNECT_TIMEOUT_S: u32 = 10;

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
    pub(super) fn by_hand(&self) -> String {
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

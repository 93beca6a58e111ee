//! The SSH fields of a scenario: `[target] ssh` (the target machine's SSH
//! destination, for `transfer.mode = "ssh"`) and `[source|target]
//! ssh_identity` (a private key to offer alone), checked while parsing like
//! the other strings (the cross-field rules are in `ssh_settings.rs`).

use crate::quote::quote;
use crate::ssh::Destination;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Longest key path accepted (errors quote it; PATH_MAX is 4096).
const MAX_PATH_BYTES: usize = 1024;

/// `[target] ssh = "[user@]host[:port]"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct SshTarget(pub(super) Destination);

impl TryFrom<String> for SshTarget {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        Destination::parse(&value).map(SshTarget).map_err(|why| {
            format!(
                "must be an SSH destination [user@]host[:port], got {}: {why}",
                quote(&value)
            )
        })
    }
}

impl From<SshTarget> for String {
    fn from(value: SshTarget) -> String {
        value.0.to_string()
    }
}

/// `ssh_identity = "/path/to/key"`: an absolute path.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdentityFile(pub(super) PathBuf);

impl TryFrom<String> for IdentityFile {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        let absolute = value.starts_with('/');
        if !absolute || value.len() > MAX_PATH_BYTES || value.chars().any(char::is_control) {
            return Err(format!(
                "must be the absolute path of a private key (at most {MAX_PATH_BYTES} bytes, no control characters), got {}",
                quote(&value)
            ));
        }
        Ok(IdentityFile(PathBuf::from(value)))
    }
}

impl From<IdentityFile> for String {
    fn from(value: IdentityFile) -> String {
        value.0.to_string_lossy().into_owned()
    }
}

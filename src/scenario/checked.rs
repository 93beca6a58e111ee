//! Strings that are checked while the TOML is parsed (like [`super::ranged`]
//! numbers), so a bad one is reported with its line, column and field, and
//! quoted only in part.

use crate::quote::quote;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Longest endpoint accepted: a unix socket path has at most 107 bytes, and a
/// URL of a few hundred characters is already no typo.
const MAX_ENDPOINT_CHARS: usize = 512;
/// Longest checkpoint directory accepted (errors quote it; PATH_MAX is 4096).
const MAX_DIR_BYTES: usize = 1024;

/// A run name: 1 to 64 letters, digits, `.`, `_`, `-`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct RunName(String);

impl TryFrom<String> for RunName {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if !value.is_empty() && value.len() <= 64 && value.chars().all(allowed) {
            Ok(RunName(value))
        } else {
            Err(format!(
                "must be 1 to 64 letters, digits, '.', '_' or '-', got {}",
                quote(&value)
            ))
        }
    }
}

impl From<RunName> for String {
    fn from(value: RunName) -> String {
        value.0
    }
}

impl RunName {
    /// The name.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The name of the one target of a scenario with `[target]`.
pub const TARGET_NAME: &str = "target";

/// The longest name of a fleet's target: it names the target in records,
/// charts and `--set targets.NAME...`, and an emulated host after it.
const MAX_TARGET_NAME_CHARS: usize = 20;

/// A `[[targets]]` entry's name: 1 to 20 lowercase letters, digits, `-`,
/// not [`TARGET_NAME`] (the one target of `[target]` is named so).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct TargetName(String);

impl TryFrom<String> for TargetName {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        let short = (1..=MAX_TARGET_NAME_CHARS).contains(&value.len());
        if !short || !value.chars().all(allowed) {
            return Err(format!(
                "must be 1 to {MAX_TARGET_NAME_CHARS} lowercase letters, digits or '-', got {}",
                quote(&value)
            ));
        }
        if value == TARGET_NAME {
            return Err(format!(
                "must not be '{TARGET_NAME}': that names the one target of [target]; \
                 give the entry another name"
            ));
        }
        Ok(TargetName(value))
    }
}

impl From<TargetName> for String {
    fn from(value: TargetName) -> String {
        value.0
    }
}

impl TargetName {
    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An engine endpoint: `unix://`, `tcp://`, `http://`, `https://`,
/// `ssh://[user@]host[:port]/path/to/engine.sock`, or a runc engine's data
/// directory, `runc:///DIR`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct Endpoint(String);

impl TryFrom<String> for Endpoint {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        let known = [
            "unix://", "tcp://", "http://", "https://", "ssh://", "runc:///",
        ];
        if !known.iter().any(|scheme| value.starts_with(scheme)) {
            return Err(format!(
                "must start with unix://, tcp://, http://, https://, ssh:// or (runc's data \
                 directory) runc:///, got {}",
                quote(&value)
            ));
        }
        if value.chars().count() > MAX_ENDPOINT_CHARS || value.chars().any(char::is_control) {
            return Err(format!(
                "must be at most {MAX_ENDPOINT_CHARS} characters, none of them control characters, got {}",
                quote(&value)
            ));
        }
        if let Err(why) = crate::ssh::SshEndpoint::parse(&value) {
            return Err(format!(
                "must be ssh://[user@]host[:port]/path/to/engine.sock, got {}: {why}",
                quote(&value)
            ));
        }
        Ok(Endpoint(value))
    }
}

impl From<Endpoint> for String {
    fn from(value: Endpoint) -> String {
        value.0
    }
}

impl Endpoint {
    /// A literal known to be valid (a default).
    pub fn known(value: &str) -> Endpoint {
        Endpoint(value.to_string())
    }

    /// The endpoint as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An absolute directory path the engine can be handed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct AbsoluteDir(PathBuf);

impl TryFrom<String> for AbsoluteDir {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        if !Path::new(&value).is_absolute() {
            return Err(format!(
                "must be an absolute path (the engine writes there), got {}",
                quote(&value)
            ));
        }
        if value.len() > MAX_DIR_BYTES || value.chars().any(char::is_control) {
            return Err(format!(
                "must be at most {MAX_DIR_BYTES} bytes, none of them control characters, got {}",
                quote(&value)
            ));
        }
        Ok(AbsoluteDir(PathBuf::from(value)))
    }
}

impl From<AbsoluteDir> for String {
    fn from(value: AbsoluteDir) -> String {
        value.0.to_string_lossy().into_owned()
    }
}

impl AbsoluteDir {
    /// A literal known to be valid (a default).
    pub fn known(value: &str) -> AbsoluteDir {
        AbsoluteDir(PathBuf::from(value))
    }

    pub fn into_inner(self) -> PathBuf {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_strings_are_refused_with_a_bounded_quote() {
        let huge = "x".repeat(1_000_000);
        let e = RunName::try_from(huge.clone()).expect_err("too long");
        assert!(e.len() < 200, "{e}");
        let e = Endpoint::try_from(format!("unix:///{huge}")).expect_err("too long");
        assert!(e.len() < 300 && e.contains("at most 512"), "{e}");
        let e = Endpoint::try_from("docker.sock".to_string()).expect_err("no scheme");
        assert!(e.contains("'docker.sock'"), "{e}");
        let e = AbsoluteDir::try_from(format!("/{huge}")).expect_err("too long");
        assert!(e.len() < 300 && e.contains("at most 1024"), "{e}");
        let e = AbsoluteDir::try_from("/a\0b".to_string()).expect_err("NUL");
        assert!(e.contains("control characters"), "{e}");
        assert!(AbsoluteDir::try_from("rel/dir".to_string())
            .expect_err("relative")
            .contains("absolute"));
    }
}

//! Running the `runc` binary with the engine's own state directory. Every
//! command is a child of migbench that is killed if its caller gives up (an
//! operation that timed out), so no runc outlives the operation that started
//! it.

use crate::engine::EngineError;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The runc binary, told where its state lives.
#[derive(Debug, Clone)]
pub struct Runc {
    pub endpoint: String,
    state: PathBuf,
}

/// What one runc command gave.
pub struct Ran {
    pub ok: bool,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Runc {
    pub fn new(endpoint: &str, state: PathBuf) -> Runc {
        Runc {
            endpoint: endpoint.to_string(),
            state,
        }
    }

    /// A runc command for `args`, its stdio unset.
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new("runc");
        command
            .arg("--root")
            .arg(&self.state)
            .args(args)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// Runs `args` to its end, output captured.
    pub async fn run(&self, args: &[&str], what: &str) -> Result<Ran, EngineError> {
        let output = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .await
            .map_err(|e| self.missing(what, e))?;
        Ok(Ran {
            ok: output.status.success(),
            stdout: output.stdout,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }

    /// Runs `args`; a non-zero exit is an error carrying runc's message.
    pub async fn check(&self, args: &[&str], what: &str) -> Result<Vec<u8>, EngineError> {
        let ran = self.run(args, what).await?;
        if ran.ok {
            Ok(ran.stdout)
        } else {
            Err(self.failed(what, ran.stderr))
        }
    }

    pub fn failed(&self, what: &str, detail: impl Into<String>) -> EngineError {
        EngineError::Operation {
            endpoint: self.endpoint.clone(),
            what: what.to_string(),
            detail: detail.into(),
        }
    }

    /// runc could not even be started.
    pub fn missing(&self, what: &str, error: std::io::Error) -> EngineError {
        EngineError::Unreachable {
            endpoint: self.endpoint.clone(),
            detail: format!("cannot run runc to {what}: {error} (is runc installed?)"),
        }
    }

    /// An I/O error on a file of the engine's.
    pub fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> EngineError {
        let (what, path) = (what.to_string(), path.to_path_buf());
        move |source| EngineError::Io { what, path, source }
    }
}

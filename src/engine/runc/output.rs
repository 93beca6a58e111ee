//! A container's output: its stdout and stderr are one pipe, drained into
//! the bundle's `output.log` by a `cat` the engine starts. A pipe, not the
//! file itself, because CRIU cannot checkpoint a file outside the
//! container's mounts (`Can't lookup mount`), while runc maps a pipe of the
//! checkpointed container onto the pipe its restore is given
//! (descriptors.json). The reader ends by itself when the last writer (the
//! container) is gone; migbench never signals it.

use super::command::Runc;
use crate::engine::EngineError;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// How long a failed start's reader gets to write runc's last words.
const READER_DRAIN: Duration = Duration::from_secs(2);

/// Runs `command` (`runc run -d` or `runc restore -d`) with its output, and
/// so the container's, piped into `log`. Returns when runc has returned; a
/// failure carries what runc printed.
pub async fn run_piped(
    runc: &Runc,
    mut command: tokio::process::Command,
    log: &Path,
    what: &str,
) -> Result<(), EngineError> {
    let pipe_error =
        |e: std::io::Error| runc.failed(what, format!("cannot make its output pipe: {e}"));
    let (reading, writing) = std::io::pipe().map_err(pipe_error)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(Runc::io("cannot open the container's output", log))?;
    let mut reader = tokio::process::Command::new("cat")
        .stdin(reading)
        .stdout(file)
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| runc.failed(what, format!("cannot start its output reader (cat): {e}")))?;
    let second_end = writing.try_clone().map_err(pipe_error)?;
    command.stdout(writing).stderr(second_end);
    let status = command.status().await;
    // Our copies of the writing end go with the command: from here on only
    // the container holds it.
    drop(command);
    let status = status.map_err(|e| runc.missing(what, e))?;
    if status.success() {
        // tokio reaps the reader when it ends.
        return Ok(());
    }
    let _ = tokio::time::timeout(READER_DRAIN, reader.wait()).await;
    let said = std::fs::read_to_string(log).unwrap_or_default();
    let last = said.lines().rev().take(3).collect::<Vec<_>>();
    let detail = last.into_iter().rev().collect::<Vec<_>>().join("; ");
    Err(runc.failed(what, format!("runc exited with {status}: {detail}")))
}

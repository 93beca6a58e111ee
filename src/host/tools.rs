//! The system tools hosts are built with (`ip`, `tc`, `mkswap`...), run to
//! completion with a known PATH.

use super::host_error::HostError;

/// CRIU 4.x is installed here by scripts/provision.sh; runc finds it on PATH.
pub const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Runs a system tool (`ip`, `tc`, `mkswap`...) to completion; its failure
/// names the command and carries what it printed.
pub fn run(program: &str, args: &[&str]) -> Result<(), HostError> {
    let command = format!("{program} {}", args.join(" "));
    let output = std::process::Command::new(program)
        .args(args)
        .env("PATH", PATH)
        .output()
        .map_err(|e| HostError::Command {
            command: command.clone(),
            detail: e.to_string(),
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(HostError::Command {
            command,
            detail: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}

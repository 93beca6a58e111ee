//! Swap for an emulated host: its memory+swap budget needs swap to exist.
//! A swap file is created only when free swap falls short, and removed on
//! `down` only if this host created it.

use super::{io_error, HostError, HostSpec};
use std::path::{Path, PathBuf};
use std::process::Command;

const SWAP_DIR: &str = "/var/lib/migbench/swap";

fn run(program: &str, args: &[&str]) -> Result<(), HostError> {
    let command = format!("{program} {}", args.join(" "));
    let output = Command::new(program)
        .args(args)
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

/// Free swap on the machine, bytes.
fn free_swap_bytes() -> u64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let kib = |key: &str| {
        meminfo
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    kib("SwapFree:") * 1024
}

/// Makes sure `spec.swap_bytes` of swap is free; returns the file it created.
pub fn ensure(spec: &HostSpec) -> Result<Option<PathBuf>, HostError> {
    if spec.swap_bytes == 0 || free_swap_bytes() >= spec.swap_bytes {
        return Ok(None);
    }
    let dir = Path::new(SWAP_DIR);
    std::fs::create_dir_all(dir).map_err(io_error("cannot create swap directory", dir))?;
    let file = dir.join(format!("{}.swap", spec.name));
    let path = file.display().to_string();
    let _ = std::fs::remove_file(&file);
    run("fallocate", &["-l", &spec.swap_bytes.to_string(), &path])?;
    run("chmod", &["600", &path])?;
    run("mkswap", &[&path])?;
    if let Err(e) = run("swapon", &[&path]) {
        let _ = std::fs::remove_file(&file);
        return Err(e);
    }
    Ok(Some(file))
}

/// Turns a swap file off and deletes it.
pub fn remove(file: &Path) -> Result<(), HostError> {
    let active = std::fs::read_to_string("/proc/swaps")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split_whitespace().next() == Some(&file.display().to_string()));
    if active {
        run("swapoff", &[&file.display().to_string()])?;
    }
    match std::fs::remove_file(file) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(io_error("cannot remove swap file", file)(e))
        }
        _ => Ok(()),
    }
}

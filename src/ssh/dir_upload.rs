//! A directory streamed into another machine as people move checkpoints
//! between real machines: a tar of it, written by the harness (the `tar`
//! crate) into `ssh DEST 'mkdir -p DIR && tar -x -C DIR'`, bytes counted as
//! they go. Nothing is staged on either side.

use super::access::Access;
use super::ssh_error::{classify, SshError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// How long a probe of the destination may take (ssh connects within 10 s).
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// Counts what goes through.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// `text` quoted for the remote shell.
fn quoted(path: &Path) -> Result<String, String> {
    let text = path
        .to_str()
        .ok_or_else(|| format!("'{}' is not UTF-8", path.display()))?;
    shlex::try_quote(text)
        .map(|q| q.into_owned())
        .map_err(|e| format!("'{}' cannot be quoted: {e}", path.display()))
}

/// The remote shell line that unpacks a tar from stdin into `parent`.
pub fn unpack_command(parent: &Path) -> Result<String, String> {
    let parent = quoted(parent)?;
    Ok(format!(
        "mkdir -p -- {parent} && exec tar -x -f - -C {parent}"
    ))
}

/// Streams `dir` as `<name>/...`, plus `extra` files (name, content) inside
/// it, into `remote_parent` on `access`'s machine; returns the bytes sent
/// (the tar stream). Dropped before it ends (a timeout), the ssh process is
/// killed, which ends the writer too.
pub async fn upload_dir(
    access: &Access,
    dir: &Path,
    name: &str,
    extra: Vec<(String, Vec<u8>)>,
    remote_parent: &Path,
) -> Result<u64, SshError> {
    let what = format!("receive '{name}' into '{}'", remote_parent.display());
    let remote = unpack_command(remote_parent).map_err(|detail| SshError::Failed {
        destination: access.destination.to_string(),
        what: what.clone(),
        detail,
    })?;
    let io = |what: &str, path: &Path| {
        let (what, path) = (what.to_string(), path.to_path_buf());
        move |source| SshError::Io { what, path, source }
    };
    let (reader, writer) = std::io::pipe().map_err(io("cannot make a pipe for", dir))?;
    let child = {
        let mut command = tokio::process::Command::new("ssh");
        command
            .args(access.command_args(&remote))
            .stdin(Stdio::from(reader))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            // A Ctrl-C meant for migbench must not cut a transfer in flight.
            .process_group(0);
        command.spawn().map_err(SshError::NoClient)?
        // The command, and with it this process's read end of the pipe, is
        // dropped here: a dead ssh then fails the writer instead of blocking it.
    };
    let source = dir.to_path_buf();
    let entry = name.to_string();
    let writing = tokio::task::spawn_blocking(move || {
        crate::work_cpu::counted(|| write_tar(writer, &source, &entry, &extra))
    });
    let output = child
        .wait_with_output()
        .await
        .map_err(io("cannot wait for ssh sending", dir))?;
    let written = writing
        .await
        .map_err(|e| io("the tar writer failed on", dir)(std::io::Error::other(e)))?;
    match written {
        // A reading error here is the cause, whatever ssh made of the torn stream.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(io("cannot read what to send", dir)(e))
        }
        Ok(bytes) if output.status.success() => {
            crate::work_cpu::add_bytes(bytes);
            Ok(bytes)
        }
        _ => Err(classify(
            access,
            &what,
            &String::from_utf8_lossy(&output.stderr),
            output.status.code(),
        )),
    }
}

/// Writes the tar of `dir` (as `name/`) and the `extra` files into `writer`.
fn write_tar(
    writer: std::io::PipeWriter,
    dir: &Path,
    name: &str,
    extra: &[(String, Vec<u8>)],
) -> std::io::Result<u64> {
    let mut builder = tar::Builder::new(Counting {
        inner: writer,
        bytes: 0,
    });
    builder.follow_symlinks(false);
    builder.append_dir_all(name, dir)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    for (file, content) in extra {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(now);
        header.set_cksum();
        builder.append_data(
            &mut header,
            PathBuf::from(name).join(file),
            content.as_slice(),
        )?;
    }
    let mut counting = builder.into_inner()?;
    counting.flush()?;
    Ok(counting.bytes)
}

/// Checks that `dir` is a directory on `access`'s machine and that `tar` is
/// there, i.e. that checkpoints can be streamed into it.
pub async fn probe_dir(access: &Access, dir: &Path) -> Result<(), SshError> {
    let destination = access.destination.to_string();
    let what = format!("reach '{}'", dir.display());
    let quoted_dir = quoted(dir).map_err(|detail| SshError::Failed {
        destination: destination.clone(),
        what: what.clone(),
        detail,
    })?;
    let remote =
        format!("test -d {quoted_dir} && test -w {quoted_dir} && command -v tar >/dev/null");
    let mut command = tokio::process::Command::new("ssh");
    command
        .args(access.command_args(&remote))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .process_group(0);
    let output = match tokio::time::timeout(PROBE_TIMEOUT, command.output()).await {
        Ok(output) => output.map_err(SshError::NoClient)?,
        Err(_) => {
            return Err(SshError::Unreachable {
                destination,
                detail: format!("no answer within {} s", PROBE_TIMEOUT.as_secs()),
            })
        }
    };
    match output.status.code() {
        Some(0) => Ok(()),
        // The remote shell's own answer: ssh itself fails with 255.
        Some(1) => Err(SshError::Failed {
            destination,
            what,
            detail: "it is not a writable directory there, or `tar` is missing: the \
                     destination must be the target engine's machine, logged in as a user \
                     who may write into the engine's store (root)"
                .into(),
        }),
        code => Err(classify(
            access,
            &what,
            &String::from_utf8_lossy(&output.stderr),
            code,
        )),
    }
}

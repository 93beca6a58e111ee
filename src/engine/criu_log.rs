//! CRIU's own log of a failed checkpoint or restore, which says *why* (an
//! established TCP socket, a truncated image...) where Docker only says
//! "criu failed". containerd keeps a failed dump's log in the task bundle, and
//! names it in the error, for as long as the container lives; but it deletes a
//! failed restore's work directory, log included, the moment the start fails.
//! So a watcher opens the restore log while CRIU writes it: the open file
//! outlives the unlink and is read only if the restore failed.
//!
//! A restore that never returns is worse: CRIU 4.1.1 restoring a truncated
//! pages image retries its read forever and logs each try (47 GB in 11 minutes
//! here), and the engine will not even inspect the clone meanwhile. So an
//! abandoned restore is ended by killing runc's restore of that container with
//! everything under it, and only the head and tail of any log are kept.

use super::EngineError;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, DropGuard};

/// How often the watcher looks for the restore log: CRIU runs for hundreds of ms.
const WATCH_INTERVAL: Duration = Duration::from_millis(5);
/// containerd's task directories under a Docker data root (its own containerd)
/// and for a system containerd.
const TASK_DIR_UNDER_DATA_ROOT: &str = "containerd/daemon/io.containerd.runtime.v2.task/moby";
const SYSTEM_TASK_DIR: &str = "/var/lib/containerd/io.containerd.runtime.v2.task/moby";

/// Bytes kept from each end of a CRIU log; what lies between is left out.
const LOG_END_BYTES: u64 = 256 * 1024;

/// The restore log's possible places for container `id`.
fn restore_log_paths(data_root: &Path, id: &str) -> [PathBuf; 2] {
    [
        data_root.join(TASK_DIR_UNDER_DATA_ROOT),
        PathBuf::from(SYSTEM_TASK_DIR),
    ]
    .map(|dir| dir.join(id).join("restore.log"))
}

/// A log's head and tail, at most [`LOG_END_BYTES`] each.
fn read_ends(file: &mut File) -> Option<Vec<u8>> {
    let len = file.metadata().ok()?.len();
    let mut log = Vec::new();
    if len <= 2 * LOG_END_BYTES {
        file.read_to_end(&mut log).ok()?;
        return Some(log);
    }
    file.by_ref()
        .take(LOG_END_BYTES)
        .read_to_end(&mut log)
        .ok()?;
    let left_out = len - 2 * LOG_END_BYTES;
    log.extend_from_slice(
        format!("\n[... {left_out} bytes of CRIU's log left out ...]\n").as_bytes(),
    );
    file.seek(SeekFrom::Start(len - LOG_END_BYTES)).ok()?;
    file.take(LOG_END_BYTES).read_to_end(&mut log).ok()?;
    Some(log)
}

/// Ends the restore of container `id` that does not return: reads what CRIU
/// logged so far, then kills runc's restore of it and every process under it
/// (CRIU and the half-restored tree), after which the engine can remove the clone.
pub fn abandon_restore(data_root: &Path, id: &str) -> Option<String> {
    let log = restore_log_paths(data_root, id)
        .iter()
        .find_map(|path| File::open(path).ok())
        .and_then(|mut file| read_ends(&mut file));
    super::procs::kill_tree(|args| {
        args.first().is_some_and(|arg0| arg0.ends_with("runc"))
            && args.iter().any(|a| a == "restore")
            && args.iter().any(|a| a == id)
    });
    log.map(|log| String::from_utf8_lossy(&log).into_owned())
}

/// The dump log path Docker names in a failed checkpoint's error ("path= ...criu-dump.log").
fn dump_log_path(detail: &str) -> Option<PathBuf> {
    let start = detail.find("path= ")? + "path= ".len();
    let rest = &detail[start..];
    let end = rest.find(".log")? + ".log".len();
    Some(PathBuf::from(&rest[..end]))
}

/// Turns a failed checkpoint's error into a [`EngineError::Criu`] carrying the
/// dump log, when the error names one this machine can read.
pub async fn with_dump_log(error: EngineError) -> EngineError {
    let log = match &error {
        EngineError::Operation { detail, .. } => match dump_log_path(detail) {
            Some(path) => {
                tokio::task::spawn_blocking(move || read_ends(&mut File::open(path).ok()?))
                    .await
                    .ok()
                    .flatten()
            }
            None => None,
        },
        _ => None,
    };
    attach(error, log)
}

/// Turns an engine operation's error into a [`EngineError::Criu`] carrying
/// CRIU's log at `path`, when this machine can read it.
pub async fn with_log_file(error: EngineError, path: PathBuf) -> EngineError {
    let log = tokio::task::spawn_blocking(move || read_ends(&mut File::open(path).ok()?))
        .await
        .ok()
        .flatten();
    attach(error, log)
}

/// An engine operation's error with CRIU's log attached, if there is one.
fn attach(error: EngineError, log: Option<Vec<u8>>) -> EngineError {
    match (error, log) {
        (
            EngineError::Operation {
                endpoint,
                what,
                detail,
            },
            Some(log),
        ) if !log.is_empty() => {
            let log = String::from_utf8_lossy(&log).into_owned();
            EngineError::Criu {
                endpoint,
                what,
                detail,
                reason: reason(&log),
                log,
            }
        }
        (error, _) => error,
    }
}

/// How many of CRIU's last errors make the reason.
const REASON_ERRORS: usize = 2;

/// The last errors CRIU logged before its "... FAILED." line, which say why
/// (earlier ones are often harmless, e.g. an rlimit it may not raise).
fn reason(log: &str) -> String {
    let errors: Vec<&str> = log
        .lines()
        .take_while(|line| !line.trim_end().ends_with("FAILED."))
        .filter_map(|line| {
            let error = &line[line.find("Error (")?..];
            Some(
                error
                    .split_once("): ")
                    .map_or(error, |(_, message)| message)
                    .trim(),
            )
        })
        .collect();
    if errors.is_empty() {
        return "no error line in its log".into();
    }
    errors[errors.len().saturating_sub(REASON_ERRORS)..].join("; ")
}

/// Watches for the restore log of container `id` while its restore runs.
pub struct RestoreLogWatch {
    found: JoinHandle<Option<File>>,
    /// Stops the watcher when the restore ends, also when it is abandoned
    /// (an operation timeout drops it unfinished).
    done: DropGuard,
}

impl RestoreLogWatch {
    pub fn start(data_root: &Path, id: &str) -> RestoreLogWatch {
        let candidates = restore_log_paths(data_root, id);
        let done = CancellationToken::new();
        let stop = done.clone();
        let found = tokio::spawn(async move {
            while !stop.is_cancelled() {
                if let Some(file) = candidates.iter().find_map(|path| File::open(path).ok()) {
                    return Some(file);
                }
                tokio::select! {
                    () = tokio::time::sleep(WATCH_INTERVAL) => {}
                    () = stop.cancelled() => {}
                }
            }
            None
        });
        RestoreLogWatch {
            found,
            done: done.drop_guard(),
        }
    }

    /// Attaches the log to a failed restore's error; a success drops it unread.
    pub async fn finish<T>(self, result: Result<T, EngineError>) -> Result<T, EngineError> {
        drop(self.done);
        let file = self.found.await.ok().flatten();
        result.map_err(|error| attach(error, file.and_then(|mut file| read_ends(&mut file))))
    }
}

#[cfg(test)]
mod tests {
    use super::{dump_log_path, reason};
    use std::path::PathBuf;

    #[test]
    fn the_reason_is_the_last_errors_before_criu_gives_up() {
        let dump = "(00.021347) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted
(00.029676) Error (criu/sk-inet.c:191): inet: Connected TCP socket, consider using --tcp-established option.
(00.029684) Error (criu/cr-dump.c:1681): Dump files (pid: 16023) failed with -1
(00.138125) Error (criu/cr-dump.c:2111): Dumping FAILED.
";
        assert_eq!(
            reason(dump),
            "inet: Connected TCP socket, consider using --tcp-established option.; Dump files (pid: 16023) failed with -1"
        );
        let restore = "(00.029010) Error (criu/image.c:866): Img trimmed 1/4
(00.029111) Error (criu/cr-restore.c:2320): Restoring FAILED.
(00.029811) Error (criu/cgroup.c:1998): cg: cgroupd: recv req error: No such file or directory
";
        assert_eq!(reason(restore), "Img trimmed 1/4");
        assert_eq!(
            reason("(00.0) Version: 4.1.1\n"),
            "no error line in its log"
        );
    }

    #[test]
    fn the_dump_log_is_found_in_docker_s_error() {
        let detail = "Cannot checkpoint container cpx: runc did not terminate successfully: exit status 1: criu failed: type NOTIFY errno 0 path= /var/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/69/criu-dump.log: unknown";
        assert_eq!(
            dump_log_path(detail),
            Some(PathBuf::from(
                "/var/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/69/criu-dump.log"
            ))
        );
        assert_eq!(dump_log_path("container is not running"), None);
    }
}

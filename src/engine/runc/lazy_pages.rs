//! A lazy restore's page server: `criu lazy-pages` serving the pages of a
//! local checkpoint image over userfaultfd while the restored process
//! already runs. It is started before the restore (which connects to its
//! socket in the shared work directory) and exits once every page is in:
//! that moment ends the degraded period.

use super::command::Runc;
use crate::engine::EngineError;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The daemon's socket, which the restore looks for in the work directory.
const SOCKET: &str = "lazy-pages.socket";
/// The daemon's log, in the work directory.
pub const LOG: &str = "lazy-pages.log";
/// How long the daemon may take to open its socket.
const SOCKET_WAIT: Duration = Duration::from_secs(10);

/// A running `criu lazy-pages`, a child of migbench (killed if the restore
/// is given up).
pub struct LazyPages {
    daemon: tokio::process::Child,
    log: PathBuf,
}

impl LazyPages {
    /// Starts the daemon for `image`, working (and listening) in `work`.
    pub async fn start(runc: &Runc, image: &Path, work: &Path) -> Result<LazyPages, EngineError> {
        let what = "start CRIU's lazy-pages daemon";
        let mut daemon = tokio::process::Command::new("criu")
            .arg("lazy-pages")
            .arg("-D")
            .arg(image)
            .arg("-W")
            .arg(work)
            .args(["-o", LOG])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| runc.failed(what, format!("cannot run criu: {e}")))?;
        let started = Instant::now();
        while !work.join(SOCKET).exists() {
            if let Ok(Some(status)) = daemon.try_wait() {
                let error = runc.failed(what, format!("it exited with {status}"));
                return Err(crate::engine::criu_log::with_log_file(error, work.join(LOG)).await);
            }
            if started.elapsed() > SOCKET_WAIT {
                return Err(runc.failed(
                    what,
                    format!(
                        "no socket in '{}' after {} s",
                        work.display(),
                        SOCKET_WAIT.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Ok(LazyPages {
            daemon,
            log: work.join(LOG),
        })
    }

    /// Waits until every page is in (the daemon exits); returns the time
    /// from `restore_started` to then, ms.
    pub async fn finish(
        mut self,
        runc: &Runc,
        restore_started: Instant,
    ) -> Result<f64, EngineError> {
        let status = self
            .daemon
            .wait()
            .await
            .map_err(|e| runc.failed("wait for the lazy pages", e.to_string()))?;
        let last_page_ms = restore_started.elapsed().as_secs_f64() * 1000.0;
        if !status.success() {
            let error = runc.failed(
                "serve the lazy pages",
                format!("criu lazy-pages exited with {status}"),
            );
            return Err(crate::engine::criu_log::with_log_file(error, self.log.clone()).await);
        }
        Ok((last_page_ms * 1000.0).round() / 1000.0)
    }
}

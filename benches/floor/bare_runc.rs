//! Bare runc: the workload in an OCI bundle made by hand (`runc spec`, then
//! its command, no terminal, NOFILE 1024:1024, which this sandbox's hard
//! limit allows), run, checkpointed and restored by runc with a state root
//! of its own, its output a pipe to a `cat` (CRIU cannot dump a host file
//! outside the container's mounts; runc maps the old pipe onto the new one
//! at restore). The commands of PLATFORM-NOTES, nothing around them.

use super::figures::{criu_ms, Sample};
use super::processes::{self, ChildGuard};
use anyhow::{ensure, Context, Result};
use serde_json::json;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A bundle and a private runc root; every container under that root is
/// deleted when it goes, whatever happened.
pub struct Runc {
    bundle: PathBuf,
    root: tempfile::TempDir,
}

impl Runc {
    /// A bundle in `bundle` (a new directory) for `args`, the workload's
    /// command line, over `rootfs`, and a fresh runc root in /run.
    pub fn new(rootfs: &Path, args: &[String], bundle: &Path) -> Result<Runc> {
        let root = tempfile::Builder::new()
            .prefix("migbench-floor-")
            .tempdir_in("/run")
            .context("cannot make a runc root in /run")?;
        let bundle = bundle.to_path_buf();
        std::fs::create_dir_all(&bundle).context("cannot make the bundle")?;
        let spec = Command::new("runc")
            .arg("spec")
            .arg("--bundle")
            .arg(&bundle)
            .status()
            .context("cannot run runc")?;
        ensure!(spec.success(), "`runc spec` failed: {spec}");
        let path = bundle.join("config.json");
        let text = std::fs::read(&path).context("cannot read runc's default spec")?;
        let mut config: serde_json::Value =
            serde_json::from_slice(&text).context("runc's default spec is not JSON")?;
        config["process"]["terminal"] = json!(false);
        config["process"]["args"] = json!(args);
        config["process"]["rlimits"] =
            json!([{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]);
        config["root"] = json!({"path": rootfs, "readonly": true});
        std::fs::write(&path, serde_json::to_vec_pretty(&config)?)
            .context("cannot write the bundle's config.json")?;
        Ok(Runc { bundle, root })
    }

    fn command(&self) -> Command {
        let mut command = Command::new("runc");
        command.arg("--root").arg(self.root.path());
        command
    }

    /// Runs `runc <args>` with its output, and so the container's, a pipe
    /// into `log` through a `cat`, which ends when the container is gone.
    fn piped(&self, args: &[&str], log: &Path, what: &Path) -> Result<(f64, ChildGuard)> {
        let (reading, writing) = std::io::pipe().context("cannot make a pipe")?;
        let file = File::create(log).context("cannot create the container's log")?;
        let reader = Command::new("cat")
            .stdin(reading)
            .stdout(file)
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start cat")?;
        let reader = ChildGuard(reader);
        let second = writing.try_clone().context("cannot share the pipe")?;
        let mut command = self.command();
        command.args(args).stdout(writing).stderr(second);
        let ms = processes::timed(&mut command, what);
        // Our ends of the pipe go with the command: only the container holds it now.
        drop(command);
        Ok((ms?, reader))
    }

    /// Migrates container number `index` of this run, images under `dir`;
    /// both containers are gone when it returns, whatever happened.
    pub fn migrate_once(&self, index: usize, dir: &Path) -> Result<Sample> {
        let images = dir.join(format!("images-{index}"));
        let id = format!("floor-{}-{index}", std::process::id());
        let clone_id = format!("{id}-r");
        let migrated = self.migrate(&id, &clone_id, &images, dir);
        self.delete(&id);
        self.delete(&clone_id);
        let _ = std::fs::remove_dir_all(&images);
        migrated
    }

    fn migrate(&self, id: &str, clone_id: &str, images: &Path, dir: &Path) -> Result<Sample> {
        std::fs::create_dir_all(images).context("cannot make the image directory")?;
        let images_arg = images.to_string_lossy();
        let bundle = self.bundle.to_string_lossy();
        let log = dir.join(format!("{id}.log"));
        let clone_log = dir.join(format!("{clone_id}.log"));

        let (_, _reader) = self.piped(&["run", "-d", "--bundle", &bundle, id], &log, &log)?;
        processes::warm_up(&log)?;
        let checkpoint_ms = processes::timed(
            self.command().args([
                "checkpoint",
                "--image-path",
                &images_arg,
                "--work-path",
                &images_arg,
                id,
            ]),
            &images.join("dump.log"),
        )?;
        let before_seq = processes::last_seq(&log)?;
        let restore = [
            "restore",
            "-d",
            "--image-path",
            &images_arg,
            "--work-path",
            &images_arg,
            "--bundle",
            &bundle,
            clone_id,
        ];
        let (restore_ms, _clone_reader) =
            self.piped(&restore, &clone_log, &images.join("restore.log"))?;
        Ok(Sample {
            checkpoint_ms,
            restore_ms,
            downtime_ms: processes::downtime_ms(&clone_log, before_seq)?,
            criu_checkpoint_ms: criu_ms(images, "stats-dump"),
            criu_restore_ms: criu_ms(images, "stats-restore"),
        })
    }

    /// Deletes container `id` (killed first), if it exists.
    fn delete(&self, id: &str) {
        let _ = self
            .command()
            .args(["delete", "-f", id])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Runc {
    fn drop(&mut self) {
        // runc keeps one state directory per container under its root:
        // whatever is left there is a container of this bench.
        let left = std::fs::read_dir(self.root.path()).into_iter().flatten();
        for entry in left.flatten() {
            self.delete(&entry.file_name().to_string_lossy());
        }
    }
}

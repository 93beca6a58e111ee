//! Where a runc engine keeps things, all under one data directory (an
//! emulated host's data root, or the machine's `/var/lib/migbench/runc`), so
//! that removing it removes everything: unpacked images, one bundle per
//! container (its `config.json`, its output, its restore work), checkpoints
//! staged for it, and runc's own state (`--root`).

use std::path::{Path, PathBuf};

/// The data directory of the machine's own runc engine.
pub const DEFAULT_DATA_DIR: &str = "/var/lib/migbench/runc";
/// How a runc engine's endpoint starts; the rest is its data directory.
pub const SCHEME: &str = "runc://";

/// The paths of one runc engine.
#[derive(Debug, Clone)]
pub struct Layout {
    data: PathBuf,
}

impl Layout {
    /// The layout under the data directory an endpoint (`runc:///DIR`) names.
    pub fn from_endpoint(endpoint: &str) -> Option<Layout> {
        let dir = endpoint.strip_prefix(SCHEME)?;
        dir.starts_with('/').then(|| Layout {
            data: PathBuf::from(dir),
        })
    }

    pub fn data(&self) -> &Path {
        &self.data
    }
    /// runc's state directory (`runc --root`).
    pub fn state(&self) -> PathBuf {
        self.data.join("state")
    }
    /// The unpacked root filesystem of image `tag`.
    pub fn rootfs(&self, tag: &str) -> PathBuf {
        self.image(tag).join("rootfs")
    }
    pub fn image(&self, tag: &str) -> PathBuf {
        self.data.join("images").join(tag.replace(['/', ':'], "_"))
    }
    pub fn containers(&self) -> PathBuf {
        self.data.join("containers")
    }
    /// Container `id`'s bundle: `config.json`, `output.log`, restore work.
    pub fn bundle(&self, id: &str) -> PathBuf {
        self.containers().join(id)
    }
    pub fn output(&self, id: &str) -> PathBuf {
        self.bundle(id).join("output.log")
    }
    /// Where CRIU works (and logs) for container `id`'s restore.
    pub fn restore_work(&self, id: &str) -> PathBuf {
        self.bundle(id).join("restore")
    }
    /// Where checkpoints transferred to this engine are put, per run.
    pub fn staging(&self) -> PathBuf {
        self.data.join("checkpoints")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_names_the_data_directory() {
        let layout = Layout::from_endpoint("runc:///var/lib/h1/data").expect("absolute");
        assert_eq!(layout.state(), Path::new("/var/lib/h1/data/state"));
        assert_eq!(
            layout.rootfs("migbench-workload:ab12"),
            Path::new("/var/lib/h1/data/images/migbench-workload_ab12/rootfs")
        );
        assert!(Layout::from_endpoint("runc://relative").is_none());
        assert!(Layout::from_endpoint("unix:///run/x.sock").is_none());
    }
}

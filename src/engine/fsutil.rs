//! Filesystem helpers for checkpoint directories (flat trees of image files).

use super::EngineError;
use std::path::Path;

/// Total size of the regular files under `dir`, bytes.
pub fn dir_bytes(dir: &Path) -> Result<u64, EngineError> {
    let io = |source| EngineError::Io {
        what: "cannot measure checkpoint directory".into(),
        path: dir.to_path_buf(),
        source,
    };
    let mut total = 0;
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let meta = entry.metadata().map_err(io)?;
        total += if meta.is_dir() {
            dir_bytes(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

/// Copies the tree `from` into `to` (created).
pub fn copy_dir(from: &Path, to: &Path) -> Result<(), EngineError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| EngineError::Io {
            what: "cannot copy checkpoint".into(),
            path,
            source,
        }
    };
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(io(&entry.path()))?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(io(&target))?;
        }
    }
    Ok(())
}

//! The workload image, built locally: a root filesystem holding only the
//! static workload binary (embedded in migbench at build time), imported
//! through the Engine API. No registry, no Dockerfile, no base image.

use super::{Engine, EngineError};

/// The static workload binary, built by build.rs from workload/main.rs.
pub const WORKLOAD_BINARY: &[u8] = include_bytes!(env!("MIGBENCH_WORKLOAD_BIN"));

/// Path of the binary inside the image.
pub const WORKLOAD_PATH: &str = "/workload";

const IMAGE_REPO: &str = "migbench-workload";

/// The image tag: content-addressed, because CRIU refuses to restore onto a
/// rebuilt binary (build-ID mismatch), so every build gets its own tag.
pub fn workload_tag() -> String {
    // FNV-1a: stable across Rust releases, unlike std's hasher.
    let hash = WORKLOAD_BINARY
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    format!("{IMAGE_REPO}:{hash:016x}")
}

/// The command line of a workload container.
pub fn workload_cmd(log_interval_ms: u64, memory_mib: u64, tick_ms: u64) -> Vec<String> {
    vec![
        WORKLOAD_PATH.to_string(),
        "--interval-ms".to_string(),
        log_interval_ms.to_string(),
        "--memory-mib".to_string(),
        memory_mib.to_string(),
        "--tick-ms".to_string(),
        tick_ms.to_string(),
    ]
}

/// A tar of the root filesystem: just the binary.
pub fn rootfs_tar() -> Result<Vec<u8>, std::io::Error> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(WORKLOAD_BINARY.len() as u64);
    header.set_mode(0o755);
    header.set_mtime(0);
    header.set_cksum();
    builder.append_data(
        &mut header,
        WORKLOAD_PATH.trim_start_matches('/'),
        WORKLOAD_BINARY,
    )?;
    builder.into_inner()
}

/// Whether the image was already there or had to be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageState {
    Present,
    Built,
}

/// Makes sure `engine` has the workload image; builds it when missing.
pub async fn ensure_image(engine: &dyn Engine) -> Result<(String, ImageState), EngineError> {
    let tag = workload_tag();
    if engine.has_image(&tag).await? {
        return Ok((tag, ImageState::Present));
    }
    let tar = rootfs_tar().map_err(|source| EngineError::Io {
        what: "cannot build the workload root filesystem".into(),
        path: WORKLOAD_PATH.into(),
        source,
    })?;
    engine.import_rootfs(tar, &tag).await?;
    Ok((tag, ImageState::Built))
}

/// Ships the very image the source has to the target (save, then load), the
/// way the lab moved its image tar. Returns the bytes shipped.
pub async fn ship_image(
    source: &dyn Engine,
    target: &dyn Engine,
    tag: &str,
) -> Result<u64, EngineError> {
    let image_tar = source.save_image(tag).await?;
    let bytes = image_tar.len() as u64;
    target.load_image(image_tar).await?;
    Ok(bytes)
}

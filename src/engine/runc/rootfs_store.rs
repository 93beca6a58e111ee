//! A runc engine's images: root filesystems unpacked under the data
//! directory, one per tag. Shipping one to another runc engine is a tar of
//! the tag and the tree, which that engine unpacks the same way.

use super::command::Runc;
use super::layout::Layout;
use crate::engine::EngineError;
use std::io::Read;
use std::path::Path;

/// The member of a shipped image that names its tag.
const TAG_MEMBER: &str = "migbench-image-tag";
/// The shipped tree's members are under this directory.
const ROOTFS_PREFIX: &str = "rootfs";

pub fn has(layout: &Layout, tag: &str) -> bool {
    layout.rootfs(tag).is_dir()
}

/// Unpacks the root filesystem tar `rootfs` as image `tag`, whole or not at
/// all: it is unpacked aside, then renamed into place.
pub fn unpack(layout: &Layout, rootfs: &[u8], tag: &str) -> Result<(), EngineError> {
    let image = layout.image(tag);
    let partial = image.with_extension(format!("partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&partial);
    let into = partial.join("rootfs");
    std::fs::create_dir_all(&into).map_err(Runc::io("cannot create image directory", &into))?;
    tar::Archive::new(rootfs)
        .unpack(&into)
        .map_err(Runc::io("cannot unpack image", &into))?;
    if image.exists() {
        // Another run unpacked the same tag meanwhile: the same content.
        let _ = std::fs::remove_dir_all(&partial);
        return Ok(());
    }
    std::fs::rename(&partial, &image).map_err(Runc::io("cannot put image in place", &image))
}

/// Image `tag` as one tar: its tag, then its tree under `rootfs/`.
pub fn pack(layout: &Layout, tag: &str) -> Result<Vec<u8>, EngineError> {
    let rootfs = layout.rootfs(tag);
    let failed = Runc::io("cannot pack image", &rootfs);
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(tag.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    let packed = builder
        .append_data(&mut header, TAG_MEMBER, tag.as_bytes())
        .and_then(|()| builder.append_dir_all(ROOTFS_PREFIX, &rootfs))
        .and_then(|()| builder.into_inner());
    packed.map_err(failed)
}

/// Unpacks an image [`pack`] made (by this or another runc engine).
pub fn unpack_packed(layout: &Layout, packed: &[u8], what: &Runc) -> Result<(), EngineError> {
    let not_ours = |detail: String| what.failed("load an image", detail);
    let mut tag = None;
    let mut rootfs = tar::Builder::new(Vec::new());
    let mut archive = tar::Archive::new(packed);
    let entries = archive.entries().map_err(|e| not_ours(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| not_ours(e.to_string()))?;
        let path = entry
            .path()
            .map_err(|e| not_ours(e.to_string()))?
            .into_owned();
        if path == Path::new(TAG_MEMBER) {
            let mut name = String::new();
            entry
                .read_to_string(&mut name)
                .map_err(|e| not_ours(e.to_string()))?;
            tag = Some(name);
        } else if let Ok(inside) = path.strip_prefix(ROOTFS_PREFIX) {
            if inside.as_os_str().is_empty() {
                continue;
            }
            let mut header = entry.header().clone();
            rootfs
                .append_data(&mut header, inside, &mut entry)
                .map_err(|e| not_ours(e.to_string()))?;
        }
    }
    let tag = tag.ok_or_else(|| {
        not_ours(format!(
            "the tar has no '{TAG_MEMBER}': it was not made by a runc engine's save"
        ))
    })?;
    let rootfs = rootfs.into_inner().map_err(|e| not_ours(e.to_string()))?;
    unpack(layout, &rootfs, &tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_image_unpacks_to_the_same_tree_and_tag() {
        let (a, b) = (
            tempfile::tempdir().expect("dir"),
            tempfile::tempdir().expect("dir"),
        );
        let layout = |d: &tempfile::TempDir| {
            Layout::from_endpoint(&format!("runc://{}", d.path().display())).expect("layout")
        };
        let (from, to) = (layout(&a), layout(&b));
        let rootfs = crate::engine::image::rootfs_tar().expect("rootfs");
        unpack(&from, &rootfs, "w:1").expect("unpacked");
        assert!(has(&from, "w:1") && !has(&to, "w:1"));
        let packed = pack(&from, "w:1").expect("packed");
        unpack_packed(&to, &packed, &Runc::new("runc:///x", "/x".into())).expect("loaded");
        let binary = |l: &Layout| std::fs::read(l.rootfs("w:1").join("workload")).expect("binary");
        assert_eq!(binary(&from), binary(&to));
        let junk = unpack_packed(&to, b"not a tar", &Runc::new("runc:///x", "/x".into()));
        assert!(junk.is_err());
    }
}

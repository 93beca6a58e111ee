//! Podman checkpoint archives (uncompressed tar): CRIU's `stats-dump` read
//! out of one, and one streamed to an import with its cgroup parent rewritten.

use super::super::criu_stats::{self, CriuStats};
use super::super::EngineError;
use std::io::{Read, Write};
use std::path::PathBuf;
use tokio::task::JoinHandle;
use tokio_util::io::SyncIoBridge;

/// The member holding the container's libpod config.
const CONFIG_DUMP: &str = "config.dump";
/// The member holding CRIU's dump statistics.
const STATS_DUMP: &str = "stats-dump";
/// How much of the archive is buffered between the rewriter and the request.
const PIPE_BYTES: usize = 1 << 20;

fn member_name(entry: &tar::Entry<'_, impl Read>) -> Option<String> {
    let path = entry.path().ok()?;
    Some(path.to_string_lossy().trim_start_matches("./").to_string())
}

/// The member `name` of the archive at `path`, read on a blocking thread
/// (its CPU counted as migration work: the archive is the checkpoint's
/// bytes); `None` when it is missing or cannot be read. Reading stops at it.
async fn read_member(path: PathBuf, name: &'static str) -> Option<Vec<u8>> {
    let read = tokio::task::spawn_blocking(move || {
        crate::work_cpu::counted(|| -> Option<Vec<u8>> {
            let mut archive = tar::Archive::new(std::fs::File::open(&path).ok()?);
            for entry in archive.entries().ok()? {
                let mut entry = entry.ok()?;
                if member_name(&entry).as_deref() == Some(name) {
                    let mut bytes = Vec::new();
                    entry.read_to_end(&mut bytes).ok()?;
                    return Some(bytes);
                }
            }
            None
        })
    });
    read.await.ok().flatten()
}

/// CRIU's dump statistics kept in the archive at `path` (empty when there are
/// none or they cannot be read: the checkpoint itself succeeded). stats-dump
/// comes before the large page images.
pub async fn dump_stats(path: PathBuf) -> CriuStats {
    read_member(path, STATS_DUMP)
        .await
        .and_then(|image| criu_stats::decode(&image).ok())
        .unwrap_or_default()
}

/// The member holding the container's log (k8s-file format), which travels
/// with the checkpoint: a clone's log starts with its original's lines.
const CTR_LOG: &str = "ctr.log";

/// How many lines of output the archive's container log holds: a clone
/// restored from it shows these first, before any line of its own.
pub async fn logged_lines(path: PathBuf) -> usize {
    read_member(path, CTR_LOG)
        .await
        .map_or(0, |log| complete_lines(&String::from_utf8_lossy(&log)))
}

/// Complete lines in a k8s-file log ("TIME STREAM F|P TEXT": a line ends with
/// its `F` part).
fn complete_lines(log: &str) -> usize {
    log.lines()
        .filter(|line| line.split(' ').nth(2) == Some("F"))
        .count()
}

/// The archive as an import body, and the task writing it.
pub struct ImportBody {
    pub reader: tokio::io::DuplexStream,
    pub rewriter: JoinHandle<Result<(), EngineError>>,
}

/// Streams the archive at `path` with its container config's cgroup parent
/// set to the host's (see `cgroup::container_parent`): libpod restores an imported container into the cgroup
/// parent the archive names (the source's), not the service's.
pub fn with_cgroup_parent(path: PathBuf, cgroup: String) -> ImportBody {
    let (writer, reader) = tokio::io::duplex(PIPE_BYTES);
    let rewriter = tokio::task::spawn_blocking(move || {
        let io = |source| EngineError::Io {
            what: "cannot stream the checkpoint archive".into(),
            path: path.clone(),
            source,
        };
        let file = std::fs::File::open(&path).map_err(io)?;
        let writer = SyncIoBridge::new(writer);
        let parent = crate::cgroup::container_parent(&cgroup);
        crate::work_cpu::counted(|| rewrite(file, writer, &parent)).map_err(io)
    });
    ImportBody { reader, rewriter }
}

/// Copies a tar from `input` to `output`, changing `cgroupParent` in its config.
fn rewrite(input: impl Read, output: impl Write, cgroup_parent: &str) -> std::io::Result<()> {
    let mut archive = tar::Archive::new(input);
    let mut builder = tar::Builder::new(output);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let mut header = entry.header().clone();
        if member_name(&entry).as_deref() == Some(CONFIG_DUMP) {
            let mut config: serde_json::Value = serde_json::from_reader(&mut entry)?;
            if let Some(object) = config.as_object_mut() {
                object.insert("cgroupParent".into(), cgroup_parent.into());
            }
            let bytes = serde_json::to_vec(&config)?;
            header.set_size(bytes.len() as u64);
            header.set_cksum();
            builder.append(&header, bytes.as_slice())?;
        } else {
            builder.append(&header, &mut entry)?;
        }
    }
    builder.into_inner()?.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data) in members {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o600);
            header.set_cksum();
            builder
                .append_data(&mut header, name, *data)
                .expect("append");
        }
        builder.into_inner().expect("tar")
    }

    #[test]
    fn the_cgroup_parent_is_rewritten_and_the_rest_kept() {
        let config = br#"{"cgroupParent":"/libpod_parent","name":"c"}"#;
        let pages = vec![7u8; 10_000];
        let input = archive(&[("config.dump", config), ("checkpoint/pages-1.img", &pages)]);
        let mut output = Vec::new();
        rewrite(input.as_slice(), &mut output, "/migbench-h1").expect("rewrites");
        let mut read = tar::Archive::new(output.as_slice());
        let mut members = Vec::new();
        for entry in read.entries().expect("entries") {
            let mut entry = entry.expect("entry");
            let name = member_name(&entry).expect("name");
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("data");
            members.push((name, data));
        }
        assert_eq!(members.len(), 2);
        let config: serde_json::Value = serde_json::from_slice(&members[0].1).expect("json");
        assert_eq!(config["cgroupParent"], "/migbench-h1");
        assert_eq!(config["name"], "c");
        assert_eq!(members[1], ("checkpoint/pages-1.img".to_string(), pages));
    }

    #[test]
    fn complete_log_lines_are_counted() {
        let log = "2026-11-25T12:46:57.1Z stdout F seq=1 unix_ms=1\n\
                   2026-11-25T12:46:57.3Z stdout P seq=2 un\n\
                   2026-11-25T12:46:57.3Z stdout F ix_ms=2\n";
        assert_eq!(complete_lines(log), 2);
    }

    #[test]
    fn a_damaged_archive_is_an_error() {
        let mut output = Vec::new();
        let junk = vec![0x5a_u8; 2048];
        assert!(rewrite(junk.as_slice(), &mut output, "/x").is_err());
    }
}

//! Podman checkpoint archives (uncompressed tar): CRIU's `stats-dump` read
//! out of one, and one as an import's body, its cgroup parent rewritten.

use super::super::criu_stats::{self, CriuStats};
use super::super::EngineError;
use std::io::Read;
use std::path::PathBuf;

/// The member holding the container's libpod config.
const CONFIG_DUMP: &str = "config.dump";
/// The member holding CRIU's dump statistics.
const STATS_DUMP: &str = "stats-dump";

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

/// An archive as an import request's body: `prefix` (bytes held in memory),
/// then `len` bytes of `file` from `offset`, sent as they are (by sendfile).
pub struct ImportBody {
    pub path: PathBuf,
    pub prefix: Vec<u8>,
    pub file: std::fs::File,
    pub offset: u64,
    pub len: u64,
}

impl ImportBody {
    /// The body's length, bytes.
    pub fn total_bytes(&self) -> u64 {
        self.prefix.len() as u64 + self.len
    }
}

/// The archive at `path` as an import body; with `cgroup`, its container
/// config's cgroup parent set to the host's (see `cgroup::container_parent`):
/// libpod restores an imported container into the cgroup parent the archive
/// names (the source's), not the service's.
pub async fn import_body(path: PathBuf, cgroup: Option<String>) -> Result<ImportBody, EngineError> {
    let archive = path.clone();
    let built = tokio::task::spawn_blocking(move || {
        let io = |source| EngineError::Io {
            what: "cannot read the checkpoint archive".into(),
            path: path.clone(),
            source,
        };
        let file = std::fs::File::open(&path).map_err(io)?;
        let file_len = file.metadata().map_err(io)?.len();
        let (prefix, offset) = match cgroup {
            None => (Vec::new(), 0),
            Some(cgroup) => {
                let parent = crate::cgroup::container_parent(&cgroup);
                crate::work_cpu::counted(|| rewritten_prefix(&file, &parent)).map_err(io)?
            }
        };
        Ok(ImportBody {
            path: path.clone(),
            prefix,
            file,
            offset,
            len: file_len.saturating_sub(offset),
        })
    });
    built.await.map_err(|e| EngineError::Io {
        what: "the archive reader failed".into(),
        path: archive,
        source: std::io::Error::other(e),
    })?
}

/// Tar's block: headers and padded data come in these.
const BLOCK: u64 = 512;

/// The archive up to and including its container config, that config's
/// `cgroupParent` changed; and the offset where the members after it begin,
/// which follow unchanged. config.dump comes third in libpod's archives, so
/// only their first few dozen KB are read and rewritten, never the pages.
fn rewritten_prefix(file: &std::fs::File, cgroup_parent: &str) -> std::io::Result<(Vec<u8>, u64)> {
    // The positions tar gives count from where it starts reading.
    std::io::Seek::rewind(&mut &*file)?;
    let mut archive = tar::Archive::new(file);
    for entry in archive.entries()? {
        let mut entry = entry?;
        if member_name(&entry).as_deref() != Some(CONFIG_DUMP) {
            continue;
        }
        // A size given in a PAX record (Go writes one only above 8 GiB)
        // would override the header's, which alone is rewritten.
        let pax_size = entry
            .pax_extensions()?
            .is_some_and(|mut p| p.any(|e| e.is_ok_and(|e| e.key() == Ok("size"))));
        if pax_size {
            return Err(std::io::Error::other(
                "config.dump's size is in a PAX record",
            ));
        }
        let header_at = entry.raw_header_position();
        let rest_at = entry.raw_file_position() + entry.size().div_ceil(BLOCK) * BLOCK;
        let mut header = entry.header().clone();
        let mut config: serde_json::Value = serde_json::from_reader(&mut entry)?;
        if let Some(object) = config.as_object_mut() {
            object.insert("cgroupParent".into(), cgroup_parent.into());
        }
        let config = serde_json::to_vec(&config)?;
        header.set_size(config.len() as u64);
        header.set_cksum();
        let mut prefix = vec![0u8; header_at as usize];
        std::os::unix::fs::FileExt::read_exact_at(file, &mut prefix, 0)?;
        prefix.extend_from_slice(header.as_bytes());
        prefix.extend_from_slice(&config);
        let padded = (config.len() as u64).div_ceil(BLOCK) * BLOCK;
        prefix.resize(prefix.len() + (padded - config.len() as u64) as usize, 0);
        return Ok((prefix, rest_at));
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "the archive holds no config.dump",
    ))
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

    /// The body `import_body` makes of `input` with a cgroup parent, as sent.
    fn sent(input: &[u8], cgroup: &str) -> std::io::Result<Vec<u8>> {
        let mut file = tempfile::tempfile()?;
        std::io::Write::write_all(&mut file, input)?;
        let (mut body, rest_at) = rewritten_prefix(&file, cgroup)?;
        body.extend_from_slice(&input[rest_at as usize..]);
        Ok(body)
    }

    #[test]
    fn the_cgroup_parent_is_rewritten_and_the_rest_kept() {
        let config = br#"{"cgroupParent":"/libpod_parent","name":"c"}"#;
        let pages = vec![7u8; 10_000];
        let input = archive(&[
            ("stats-dump", b"s"),
            ("config.dump", config),
            ("checkpoint/pages-1.img", &pages),
        ]);
        let output = sent(&input, "/migbench-h1-with-a-longer-name").expect("rewrites");
        let mut read = tar::Archive::new(output.as_slice());
        let mut members = Vec::new();
        for entry in read.entries().expect("entries") {
            let mut entry = entry.expect("entry");
            let name = member_name(&entry).expect("name");
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("data");
            members.push((name, data));
        }
        assert_eq!(members.len(), 3);
        assert_eq!(members[0], ("stats-dump".to_string(), b"s".to_vec()));
        let config: serde_json::Value = serde_json::from_slice(&members[1].1).expect("json");
        assert_eq!(config["cgroupParent"], "/migbench-h1-with-a-longer-name");
        assert_eq!(config["name"], "c");
        assert_eq!(members[2], ("checkpoint/pages-1.img".to_string(), pages));
        // The pages were not read: they follow the prefix as the file has them.
        assert!(output.ends_with(&input[input.len() - 11_000..]));
    }

    #[test]
    fn complete_log_lines_are_counted() {
        let log = "2026-11-25T12:46:57.1Z stdout F seq=1 unix_ms=1\n\
                   2026-11-25T12:46:57.3Z stdout P seq=2 un\n\
                   2026-11-25T12:46:57.3Z stdout F ix_ms=2\n";
        assert_eq!(complete_lines(log), 2);
    }

    #[test]
    fn a_damaged_archive_or_one_without_a_config_is_an_error() {
        assert!(sent(&[0x5a_u8; 2048], "/x").is_err());
        let e = sent(&archive(&[("stats-dump", b"s")]), "/x").expect_err("no config");
        assert!(e.to_string().contains("no config.dump"), "{e}");
    }
}

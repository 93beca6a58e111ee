//! The streaming path alone on the real Podman service: an export lands in
//! the checkpoint file whole (a complete tar, as long as migbench counted),
//! and an import sends every byte of that file. (A stream cut short or
//! refused is tested against fake services in src/engine/podman/http_tests.rs,
//! a damaged archive on import in tests/podman.rs.)

mod common;

use migbench::engine::{self, image, ContainerSpec, EngineKind, RUN_LABEL};
use std::collections::HashMap;
use std::io::Read;
use std::time::Duration;

/// Member names of the tar at `path`, each member read to its end (a short
/// or damaged archive fails here).
fn members(path: &std::path::Path) -> Vec<String> {
    let file = std::fs::File::open(path).expect("the archive");
    let mut archive = tar::Archive::new(file);
    let mut names = Vec::new();
    for entry in archive.entries().expect("a tar") {
        let mut entry = entry.expect("a member");
        let size = entry.size();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("the member's data");
        assert_eq!(data.len() as u64, size);
        let name = entry.path().expect("a name").to_string_lossy().to_string();
        names.push(name.trim_start_matches("./").to_string());
    }
    names
}

#[test]
fn an_archive_crosses_whole_both_ways() {
    let _engine = common::engine_lock();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let kind = EngineKind::Podman;
        let engine = engine::connect(kind, kind.default_endpoint(), Duration::from_secs(120))
            .expect("endpoint");
        let (image, _) = image::ensure_image(engine.as_ref()).await.expect("image");
        let label = format!("streaming-test-{}", std::process::id());
        let spec = |name: &str| ContainerSpec {
            name: format!("mb-{label}-{name}"),
            image: image.clone(),
            cmd: image::workload_cmd(200, 8, 10),
            labels: HashMap::from([(RUN_LABEL.to_string(), label.clone())]),
        };
        let id = engine.create(&spec("a")).await.expect("create");
        engine.start(&id).await.expect("start");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let exported = engine
            .checkpoint(&id, dir.path(), "a")
            .await
            .expect("export");
        let len = std::fs::metadata(&exported.path).expect("archive").len();
        assert_eq!(exported.bytes, len, "the bytes counted are the file's");
        let names = members(&exported.path);
        for name in ["config.dump", "stats-dump", "checkpoint/pages-1.img"] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
        let restored = engine
            .restore(&spec("b"), &exported.path, &std::sync::OnceLock::new())
            .await
            .expect("import");
        let sent = restored.transfer.expect("the upload was measured");
        assert_eq!(sent.bytes, len, "every byte of the archive was sent");
        assert!(engine.is_running(&restored.id).await.expect("inspect"));
        for c in engine
            .list_labelled(RUN_LABEL, Some(&label))
            .await
            .expect("list")
        {
            engine.remove(&c.id).await.expect("remove");
        }
    });
}

//! A container's OCI bundle: runc's own default spec (`runc spec`), with the
//! container's command, no terminal, the image's unpacked root filesystem
//! shared read-only (the workload writes nothing to its filesystem, so a
//! writable layer per container would only cost a mount to leak), the
//! cgroup it belongs in, and its labels as annotations, which is where
//! `list_labelled` finds them again.

use super::command::Runc;
use super::layout::Layout;
use crate::engine::{ContainerSpec, EngineError};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;

/// The annotation that keeps the image a container was made from.
const IMAGE_ANNOTATION: &str = "io.migbench.image";

/// runc's default spec for this runc version, made once per engine.
pub async fn default_spec(runc: &Runc) -> Result<Value, EngineError> {
    let dir =
        tempfile::tempdir().map_err(Runc::io("cannot make a directory for", Path::new("/tmp")))?;
    let bundle = dir.path().to_string_lossy().to_string();
    runc.check(&["spec", "--bundle", &bundle], "make a default OCI spec")
        .await?;
    let path = dir.path().join("config.json");
    let text = std::fs::read(&path).map_err(Runc::io("cannot read", &path))?;
    serde_json::from_slice(&text)
        .map_err(|e| runc.failed("read its default OCI spec", e.to_string()))
}

/// The cgroup of container `id`: under the host's budget (cgroup `parent`)
/// when it has one, else a cgroup of its own that runc removes with it.
pub fn cgroup_path(parent: Option<&str>, id: &str) -> String {
    match parent {
        Some(parent) => format!("{}/runc-{id}", crate::cgroup::container_parent(parent)),
        None => format!("/migbench-runc-{id}"),
    }
}

/// Writes the bundle of container `spec` (named by its name) from `base`.
pub fn write(
    layout: &Layout,
    base: &Value,
    spec: &ContainerSpec,
    cgroup_parent: Option<&str>,
) -> Result<(), EngineError> {
    let dir = layout.bundle(&spec.name);
    std::fs::create_dir_all(&dir).map_err(Runc::io("cannot create bundle", &dir))?;
    let mut config = base.clone();
    let mut annotations: HashMap<&str, &str> = spec
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    annotations.insert(IMAGE_ANNOTATION, &spec.image);
    config["process"]["terminal"] = json!(false);
    config["process"]["args"] = json!(spec.cmd);
    config["root"] = json!({
        "path": layout.rootfs(&spec.image),
        "readonly": true,
    });
    config["hostname"] = json!(hostname(&spec.name));
    config["annotations"] = json!(annotations);
    config["linux"]["cgroupsPath"] = json!(cgroup_path(cgroup_parent, &spec.name));
    let path = dir.join("config.json");
    let text = serde_json::to_vec_pretty(&config).unwrap_or_default();
    std::fs::write(&path, text).map_err(Runc::io("cannot write", &path))
}

/// The longest hostname the kernel takes (HOST_NAME_MAX).
const HOSTNAME_MAX: usize = 64;

/// The container's hostname: its name, or the end of a longer one (where
/// its index is), since `sethostname` refuses more than 64 bytes.
fn hostname(name: &str) -> &str {
    let mut start = name.len().saturating_sub(HOSTNAME_MAX);
    while !name.is_char_boundary(start) {
        start += 1;
    }
    &name[start..]
}

/// The annotations of container `id`'s bundle, when it has one.
pub fn annotations(layout: &Layout, id: &str) -> Option<HashMap<String, String>> {
    let text = std::fs::read(layout.bundle(id).join("config.json")).ok()?;
    let config: Value = serde_json::from_slice(&text).ok()?;
    serde_json::from_value(config.get("annotations")?.clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_keeps_the_command_labels_and_cgroup() {
        let data = tempfile::tempdir().expect("tempdir");
        let layout =
            Layout::from_endpoint(&format!("runc://{}", data.path().display())).expect("absolute");
        let base = json!({"process": {"terminal": true, "args": ["sh"]}, "linux": {}});
        let spec = ContainerSpec {
            name: "mb-1".into(),
            image: "migbench-workload:1".into(),
            cmd: vec!["/workload".into(), "--tick-ms".into(), "10".into()],
            labels: HashMap::from([("io.migbench.run".into(), "r1".into())]),
        };
        write(&layout, &base, &spec, Some("migbench-h1")).expect("written");
        let text = std::fs::read(layout.bundle("mb-1").join("config.json")).expect("config");
        let config: Value = serde_json::from_slice(&text).expect("json");
        assert_eq!(config["process"]["terminal"], json!(false));
        assert_eq!(config["process"]["args"][0], json!("/workload"));
        assert_eq!(
            config["linux"]["cgroupsPath"],
            json!("/migbench-h1/runc-mb-1")
        );
        assert_eq!(config["root"]["readonly"], json!(true));
        let found = annotations(&layout, "mb-1").expect("annotations");
        assert_eq!(found.get("io.migbench.run").map(String::as_str), Some("r1"));
        assert_eq!(cgroup_path(None, "mb-1"), "/migbench-runc-mb-1");
        assert_eq!(config["hostname"], json!("mb-1"));
        let long = format!("mb-{}-0007", "x".repeat(80));
        assert_eq!(hostname(&long).len(), HOSTNAME_MAX);
        assert!(hostname(&long).ends_with("-0007"));
    }
}

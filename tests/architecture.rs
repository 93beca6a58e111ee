//! The shape of `src/`, checked from its source: data flows one way
//! (scenario -> runner -> records and samples -> detector -> summary ->
//! report), so no file imports from a module in a higher layer, and no two
//! files depend on each other, directly or around a circle.
//!
//! Every path a file names (in `use` lines, code, attributes and macro
//! arguments) is followed through re-exports to the file that defines the
//! item; a module's facade (`pub use child::Item`) is not a dependency of its
//! own, so `engine.rs` re-exporting `kind::EngineKind` and `kind.rs` using
//! `super::Engine` is a circle only if `Engine` is defined in `engine.rs` and
//! `engine.rs` itself uses `EngineKind`.

#[path = "architecture/circles.rs"]
mod circles;
#[path = "architecture/source_graph.rs"]
mod source_graph;

use circles::circles;
use source_graph::load;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules from the bottom layer up: a file may use modules of its
/// own top-level module and of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["quote", "process", "machine", "work_cpu"],
    &["cgroup", "ssh"],
    &["engine"],
    &["scenario"],
    &["record", "host"],
    &["collapse", "preflight"],
    &["event", "summary"],
    &["sampler", "report"],
    &["runner"],
    &["doctor", "cli"],
    &["app"],
];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn relative(file: &Path) -> String {
    file.strip_prefix(src_dir())
        .unwrap_or(file)
        .display()
        .to_string()
}

fn describe(from: &Path, to: &Path, names: &BTreeSet<String>) -> String {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    format!(
        "{} -> {} ({})",
        relative(from),
        relative(to),
        names.join(", ")
    )
}

fn top_module(file: &Path) -> String {
    let rel = relative(file);
    let first = rel.split('/').next().unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

#[test]
fn no_two_files_depend_on_each_other() {
    let edges = load(&src_dir()).edges();
    let found = circles(&edges);
    let described: Vec<String> = found
        .iter()
        .map(|circle| {
            let inner: Vec<String> = circle
                .iter()
                .flat_map(|a| {
                    edges[a]
                        .iter()
                        .filter(|(b, _)| circle.contains(b))
                        .map(move |(b, names)| describe(a, b, names))
                })
                .collect();
            inner.join("\n")
        })
        .collect();
    assert!(
        found.is_empty(),
        "files that depend on each other:\n{}",
        described.join("\n")
    );
}

#[test]
fn no_import_runs_from_a_lower_layer_up() {
    let edges = load(&src_dir()).edges();
    let mut upward = Vec::new();
    for (from, targets) in &edges {
        let from_top = top_module(from);
        if from_top == "lib" {
            continue;
        }
        let from_layer = layer(&from_top)
            .unwrap_or_else(|| panic!("top-level module '{from_top}' has no layer in LAYERS"));
        for (to, names) in targets {
            let to_top = top_module(to);
            if to_top == from_top {
                continue;
            }
            let to_layer = layer(&to_top)
                .unwrap_or_else(|| panic!("top-level module '{to_top}' has no layer in LAYERS"));
            if to_layer >= from_layer {
                upward.push(describe(from, to, names));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports from a lower (or the same) layer to another module:\n{}",
        upward.join("\n")
    );
}

/// The checker itself: a circle through a re-export is found, a facade is not one.
#[test]
fn the_checker_sees_a_circle_through_a_reexport_and_not_a_facade() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let write = |name: &str, body: &str| {
        let path = dir.path().join(name);
        let parent = path.parent().expect("a file in a directory");
        std::fs::create_dir_all(parent).expect("create the directory");
        std::fs::write(path, body).expect("write the file");
    };
    write("lib.rs", "pub mod a;\n");
    write("a.rs", "mod b;\nmod c;\npub use b::B;\npub use c::C;\n");
    write("a/b.rs", "pub struct B;\n");
    write("a/c.rs", "pub struct C(pub super::B);\n");
    let facade = load(dir.path()).edges();
    assert!(circles(&facade).is_empty(), "{facade:?}");
    assert!(facade[&dir.path().join("a/c.rs")].contains_key(&dir.path().join("a/b.rs")));
    write(
        "a/b.rs",
        "pub struct B;\nfn f() -> usize { std::mem::size_of::<crate::a::C>() }\n",
    );
    let circle = load(dir.path()).edges();
    assert_eq!(circles(&circle).len(), 1, "{circle:?}");
}

/// A file's name says what it holds, so no two files of `src/` share one.
#[test]
fn file_names_are_unique_within_src() {
    fn walk(dir: &Path, seen: &mut BTreeMap<String, Vec<PathBuf>>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, seen);
            } else if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                seen.entry(name.to_string()).or_default().push(path.clone());
            }
        }
    }
    let mut seen = BTreeMap::new();
    walk(&src_dir(), &mut seen);
    let shared: Vec<String> = seen
        .iter()
        .filter(|(_, paths)| paths.len() > 1)
        .map(|(name, paths)| {
            let where_: Vec<String> = paths.iter().map(|p| relative(p)).collect();
            format!("{name}: {}", where_.join(", "))
        })
        .collect();
    assert!(
        shared.is_empty(),
        "file names used twice:\n{}",
        shared.join("\n")
    );
}

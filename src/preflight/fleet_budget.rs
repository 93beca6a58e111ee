//! A fleet's emulated targets together: they all run on this machine at
//! once, so their memory adds up against its RAM and their swap files
//! against its disk (each one's CPU quota need only fit the cores alone:
//! quotas share the cores, they do not reserve them).

use super::disk_use::DiskUse;
use crate::host::{self, HostSpec};
use crate::machine;
use crate::scenario::{listed_names, BudgetFields, NAMES_SHOWN};
use bytesize::ByteSize;
use std::path::PathBuf;

/// One emulated target of the scenario, as pre-flight sees it.
pub(super) struct Emulated<'a> {
    pub name: &'a str,
    /// Its keys (`targets.a.emulate.memory`, ...).
    pub fields: BudgetFields,
    pub spec: HostSpec,
}

/// `targets 'a', 'b'` (or `target 'a'`).
fn named(targets: &[&Emulated]) -> String {
    let names: Vec<&str> = targets.iter().map(|t| t.name).collect();
    let noun = if names.len() == 1 {
        "target"
    } else {
        "targets"
    };
    format!("{noun} {}", listed_names(&names))
}

/// Each target's key of one field (`targets.a.emulate.memory`, ...), or the
/// key's `pattern` for a fleet too large to list.
fn keys(targets: &[&Emulated], key: fn(&BudgetFields) -> &String, pattern: &str) -> Vec<String> {
    if targets.len() > NAMES_SHOWN {
        vec![pattern.to_string()]
    } else {
        targets.iter().map(|t| key(&t.fields).clone()).collect()
    }
}

fn total(sizes: &[u64]) -> u64 {
    sizes
        .iter()
        .fold(0u64, |sum, size| sum.saturating_add(*size))
}

/// `3 x 10.0 GiB = 30.0 GiB`, or `1.0 GiB + 2.0 GiB = 3.0 GiB` when they differ.
fn sum(sizes: &[u64]) -> String {
    let terms = match sizes {
        [first, rest @ ..] if rest.iter().all(|size| size == first) => {
            format!("{} x {}", sizes.len(), ByteSize(*first))
        }
        _ => {
            let each: Vec<String> = sizes
                .iter()
                .map(|size| ByteSize(*size).to_string())
                .collect();
            each.join(" + ")
        }
    };
    format!("{terms} = {}", ByteSize(total(sizes)))
}

/// Their memory together beyond this machine's RAM, while each alone fits
/// (one that does not is named on its own).
pub(super) fn memory_problem(targets: &[Emulated]) -> Option<String> {
    let ram = machine::ram_bytes();
    let sizes: Vec<u64> = targets.iter().map(|t| t.spec.memory_bytes).collect();
    if sizes.iter().any(|&size| size > ram) || total(&sizes) <= ram {
        return None;
    }
    let all: Vec<&Emulated> = targets.iter().collect();
    let fields = keys(&all, |f| &f.memory, "targets.NAME.emulate.memory");
    Some(format!(
        "{}: memory {} exceeds this machine's {} of RAM (every emulated target \
         holds its memory at once): lower {}, or emulate fewer targets",
        named(&all),
        sum(&sizes),
        ByteSize(ram),
        fields.join(" or ")
    ))
}

/// Their swap files, together on one filesystem.
pub(super) fn swap_use(targets: &[Emulated]) -> Option<DiskUse> {
    let swapping: Vec<&Emulated> = targets
        .iter()
        .filter(|t| host::swap_file_bytes(t.spec.swap_bytes) > 0)
        .collect();
    let files: Vec<u64> = swapping
        .iter()
        .map(|t| host::swap_file_bytes(t.spec.swap_bytes))
        .collect();
    let swaps: Vec<u64> = swapping.iter().map(|t| t.spec.swap_bytes).collect();
    (!swapping.is_empty()).then(|| DiskUse {
        path: PathBuf::from(host::SWAP_DIR),
        bytes: total(&files),
        asked: format!("{}: swap {}", named(&swapping), sum(&swaps)),
        what: "their swap files".into(),
        fields: keys(&swapping, |f| &f.swap, "targets.NAME.emulate.swap"),
    })
}

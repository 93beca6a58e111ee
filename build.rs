//! Builds the in-container workload (workload/main.rs) as a static binary and
//! hands its path to the crate, which embeds it: `migbench image build` then
//! needs no toolchain, no registry and no Dockerfile.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let source = "workload/main.rs";
    println!("cargo:rerun-if-changed={source}");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let binary = out_dir.join("migbench-workload");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let status = Command::new(rustc)
        .args([
            "--edition",
            "2021",
            "-C",
            "opt-level=2",
            "-C",
            "target-feature=+crt-static",
        ])
        .args([
            "-C",
            "strip=symbols",
            "-C",
            "panic=abort",
            "--crate-name",
            "migbench_workload",
        ])
        .arg("-o")
        .arg(&binary)
        .arg(source)
        .status()
        .expect("rustc runs");
    assert!(
        status.success(),
        "building the static workload binary failed"
    );
    println!("cargo:rustc-env=MIGBENCH_WORKLOAD_BIN={}", binary.display());
}

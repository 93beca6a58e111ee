//! migbench workload: the program that runs inside every migrated container.
//!
//! It prints `seq=<n> unix_ms=<ms>` every `--interval-ms`, with `n` a counter
//! held only in process memory, so a restored clone proves it continued where
//! the original stopped when its first line is the original's last plus one.
//! With `--memory-mib M` it holds M MiB and rewrites one byte of every page
//! on each tick, so checkpoints carry real, dirty pages.
//!
//! Built by migbench's build script as a static binary (std only, no crates)
//! and embedded into the migbench binary, which turns it into a local image.

use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const PAGE_BYTES: usize = 4096;
const MIB: usize = 1024 * 1024;

fn main() {
    let mut interval_ms: u64 = 1000;
    let mut memory_mib: usize = 0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse::<u64>().ok());
        match (arg.as_str(), value) {
            ("--interval-ms", Some(v)) if v > 0 => interval_ms = v,
            ("--memory-mib", Some(v)) => memory_mib = v as usize,
            _ => {
                eprintln!("usage: workload [--interval-ms N>0] [--memory-mib N]");
                std::process::exit(2);
            }
        }
    }

    // Filled with non-zero bytes so every page is resident, not a shared zero page.
    let mut ballast = vec![0xA5u8; memory_mib * MIB];
    let stdout = std::io::stdout();
    let mut seq: u64 = 0;
    loop {
        seq += 1;
        for page in ballast.chunks_mut(PAGE_BYTES) {
            page[0] = seq as u8;
        }
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let mut out = stdout.lock();
        // A closed stdout cannot be reported anywhere: the counter just goes on.
        let _ = writeln!(out, "seq={seq} unix_ms={unix_ms}");
        let _ = out.flush();
        drop(out);
        std::thread::sleep(Duration::from_millis(interval_ms));
    }
}

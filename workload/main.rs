//! migbench workload: the program that runs inside every migrated container.
//!
//! It prints `seq=<n> unix_ms=<ms>` every `--interval-ms`, with `n` a counter
//! held only in process memory, so a restored clone proves it continued where
//! the original stopped when its first line is the original's last plus one.
//! With `--memory-mib M` it holds M MiB and rewrites one byte of every page
//! on each tick, so checkpoints carry real, dirty pages.
//!
//! Its downtime it measures itself: an internal tick (`--tick-ms`, default
//! 10) reads the wall clock, and when two ticks lie more than
//! [`STOPPED_TICKS`] ticks apart the process was stopped (frozen for a
//! checkpoint, then restored): it prints
//! `resumed stopped_ms=<gap> last_tick_unix_ms=<before> unix_ms=<after> after_seq=<n>`,
//! `n` being the last counter printed before the stop. The wall clock is the
//! one to read: CRIU restores monotonic clocks continuous (time namespace).
//!
//! On SIGUSR1 it opens an established loopback TCP connection and holds it:
//! CRIU refuses to dump that without `--tcp-established`, so
//! `docker kill -s USR1` makes that container's checkpoint fail for real.
//!
//! Built by migbench's build script as a static binary (std only, no crates)
//! and embedded into the migbench binary, which turns it into a local image.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const PAGE_BYTES: usize = 4096;
const MIB: usize = 1024 * 1024;
const SIGUSR1: i32 = 10;
/// A gap of more than this many ticks between two ticks is a stop, not jitter.
const STOPPED_TICKS: u64 = 5;

static HOLD_TCP_REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" {
    fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
}

extern "C" fn on_sigusr1(_: i32) {
    HOLD_TCP_REQUESTED.store(true, Ordering::Relaxed);
}

fn main() {
    let mut interval_ms: u64 = 1000;
    let mut tick_ms: u64 = 10;
    let mut memory_mib: usize = 0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse::<u64>().ok());
        match (arg.as_str(), value) {
            ("--interval-ms", Some(v)) if v > 0 => interval_ms = v,
            ("--tick-ms", Some(v)) if v > 0 => tick_ms = v,
            ("--memory-mib", Some(v)) => memory_mib = v as usize,
            _ => {
                eprintln!("usage: workload [--interval-ms N>0] [--tick-ms N>0] [--memory-mib N]");
                std::process::exit(2);
            }
        }
    }

    // Filled with non-zero bytes so every page is resident, not a shared zero page.
    let mut ballast = vec![0xA5u8; memory_mib * MIB];
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe { signal(SIGUSR1, on_sigusr1) };
    let mut held_connection = None;
    let mut seq: u64 = 0;
    let mut last_tick_ms = unix_ms();
    let mut next_line_ms = last_tick_ms;
    loop {
        let now_ms = unix_ms();
        if now_ms.saturating_sub(last_tick_ms) > STOPPED_TICKS * tick_ms {
            print_line(&format!(
                "resumed stopped_ms={} last_tick_unix_ms={last_tick_ms} unix_ms={now_ms} after_seq={seq}",
                now_ms - last_tick_ms
            ));
        }
        last_tick_ms = now_ms;
        if now_ms >= next_line_ms {
            seq += 1;
            if held_connection.is_none() && HOLD_TCP_REQUESTED.load(Ordering::Relaxed) {
                // A failure here only means the checkpoint will not fail: say so.
                held_connection = tcp_pair()
                    .map_err(|e| eprintln!("workload: no loopback TCP connection: {e}"))
                    .ok();
            }
            for page in ballast.chunks_mut(PAGE_BYTES) {
                page[0] = seq as u8;
            }
            print_line(&format!("seq={seq} unix_ms={now_ms}"));
            // The next line one interval after this one; after a stop, at once.
            next_line_ms = next_line_ms.max(now_ms.saturating_sub(interval_ms)) + interval_ms;
        }
        std::thread::sleep(Duration::from_millis(tick_ms));
    }
}

/// Wall-clock milliseconds since the Unix epoch.
fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn print_line(line: &str) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // A closed stdout cannot be reported anywhere: the counter just goes on.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Both ends of an established loopback connection.
fn tcp_pair() -> std::io::Result<(std::net::TcpStream, std::net::TcpStream)> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let client = std::net::TcpStream::connect(listener.local_addr()?)?;
    let (server, _) = listener.accept()?;
    Ok((client, server))
}

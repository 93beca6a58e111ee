//! Progress bars (one per phase, with rate and ETA), collapse firings printed
//! as they happen, and the live projection on the restore bar.

use crate::collapse::{Firing, Projection};
use crate::record::Phase;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub struct Progress {
    bars: MultiProgress,
    restore_bar: watch::Sender<Option<ProgressBar>>,
    printer: JoinHandle<()>,
}

impl Progress {
    pub fn new(
        mut firings: mpsc::UnboundedReceiver<Firing>,
        mut projection: watch::Receiver<Option<Projection>>,
    ) -> Progress {
        let bars = MultiProgress::new();
        let (restore_bar, mut restore_bar_rx) = watch::channel::<Option<ProgressBar>>(None);
        let printer_bars = bars.clone();
        let printer = tokio::spawn(async move {
            loop {
                tokio::select! {
                    firing = firings.recv() => {
                        let Some(f) = firing else { break };
                        let line = format!(
                            "collapse rule fired at restore {}: {} ({})",
                            f.at_restore, f.rule.as_str(), f.detail
                        );
                        if printer_bars.println(&line).is_err() || printer_bars.is_hidden() {
                            eprintln!("{line}");
                        }
                    }
                    changed = projection.changed() => {
                        if changed.is_err() { break }
                        let message = projection.borrow().and_then(describe);
                        if let (Some(bar), Some(message)) = (restore_bar_rx.borrow_and_update().as_ref(), message) {
                            bar.set_message(message);
                        }
                    }
                }
            }
        });
        Progress {
            bars,
            restore_bar,
            printer,
        }
    }

    /// A bar for `phase` with `len` operations.
    pub fn phase_bar(&self, phase: Phase, len: u64) -> ProgressBar {
        self.bar(phase.as_str(), len, phase == Phase::Restore)
    }

    /// The bar of a pipeline: `len` migrations end to end.
    pub fn migration_bar(&self, len: u64) -> ProgressBar {
        self.bar("migrate", len, true)
    }

    /// A bar named `prefix`; `restores` makes it carry the live projection.
    fn bar(&self, prefix: &'static str, len: u64, restores: bool) -> ProgressBar {
        let style = ProgressStyle::with_template(
            "{prefix:>10} [{bar:30}] {pos}/{len} {per_sec} eta {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let bar = self.bars.add(ProgressBar::new(len).with_style(style));
        bar.set_prefix(prefix);
        if restores {
            self.restore_bar.send_replace(Some(bar.clone()));
        }
        bar
    }

    pub fn finish(self) {
        self.printer.abort();
    }
}

fn describe(p: Projection) -> Option<String> {
    p.projected_count.map(|count| {
        format!(
            "projected budget exhaustion at ~{count} ({:.1} MiB/container)",
            p.bytes_per_container / 1048576.0
        )
    })
}

//! Progress bars (one per phase, with rate and ETA), collapse firings and the
//! hard failure printed as they happen, and the live projection (thrashing
//! onset and hard failure, with their basis) on the restore bar.

use crate::collapse::Projection;
use crate::event::Alert;
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
        mut alerts: mpsc::UnboundedReceiver<Alert>,
        mut projection: watch::Receiver<Option<Projection>>,
    ) -> Progress {
        let bars = MultiProgress::new();
        let (restore_bar, mut restore_bar_rx) = watch::channel::<Option<ProgressBar>>(None);
        let printer_bars = bars.clone();
        let printer = tokio::spawn(async move {
            let mut printed_fit = 0;
            loop {
                tokio::select! {
                    alert = alerts.recv() => {
                        let line = match alert {
                            None => break,
                            Some(Alert::Collapse(f)) => format!(
                                "collapse rule fired at restore {}: {} ({})",
                                f.at_restore, f.rule.as_str(), f.detail
                            ),
                            Some(Alert::HardFailure(h)) => h.describe(),
                        };
                        if printer_bars.println(&line).is_err() || printer_bars.is_hidden() {
                            eprintln!("{line}");
                        }
                    }
                    changed = projection.changed() => {
                        if changed.is_err() { break }
                        let latest = *projection.borrow();
                        let Some((fitted, message)) = latest.and_then(|p| Some((p.fitted_restores, p.brief()?))) else {
                            continue;
                        };
                        if let Some(bar) = restore_bar_rx.borrow_and_update().as_ref() {
                            bar.set_message(message.clone());
                        }
                        // Without bars (output not a terminal), one line per restore fitted.
                        if printer_bars.is_hidden() && fitted > printed_fit {
                            printed_fit = fitted;
                            eprintln!("projection after {fitted} restores: {message}");
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

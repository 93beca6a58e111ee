//! Progress bars (one per phase, with rate and ETA), collapse firings and the
//! hard failure printed as they happen, and the live projection (thrashing
//! onset and hard failure, with their basis) on the restore bar.

use crate::event::{Alert, FleetView};
use crate::record::Phase;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Progress lines in output that is not a terminal come at most this often.
const LINE_EVERY: Duration = Duration::from_secs(5);

pub struct Progress {
    bars: MultiProgress,
    shown: bool,
    restore_bar: watch::Sender<Option<ProgressBar>>,
    printer: JoinHandle<()>,
}

/// The projections so far, for the restore bar: the one target's basis and
/// counts, or each fleet target's thrashing onset; with the most restores
/// any fit used.
fn projections(view: &FleetView) -> Option<(u64, String)> {
    let fitted = view
        .iter()
        .filter_map(|t| t.projection.map(|p| p.fitted_restores))
        .max()?;
    let message = match view.as_slice() {
        [one] => one.projection?.brief()?,
        fleet => {
            let onsets: Vec<String> = fleet
                .iter()
                .map(|t| {
                    let onset = t.projection.and_then(|p| p.thrashing_onset);
                    let onset = onset.map_or("-".into(), |c| format!("~{c}"));
                    format!("{} {onset}", t.name)
                })
                .collect();
            format!("thrashing onset {}", onsets.join(", "))
        }
    };
    Some((fitted, message))
}

impl Progress {
    /// Progress shown (`shown`: bars on a terminal, lines elsewhere) or not at all.
    pub fn new(
        mut alerts: mpsc::UnboundedReceiver<Alert>,
        mut view: watch::Receiver<FleetView>,
        shown: bool,
    ) -> Progress {
        let bars = if shown {
            MultiProgress::new()
        } else {
            MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
        };
        let (restore_bar, mut restore_bar_rx) = watch::channel::<Option<ProgressBar>>(None);
        let printer_bars = bars.clone();
        let printer = tokio::spawn(async move {
            let mut printed_fit = 0;
            let mut last_line: Option<Instant> = None;
            loop {
                tokio::select! {
                    alert = alerts.recv() => {
                        let Some(line) = alert.as_ref().map(Alert::line) else { break };
                        if !shown {
                            continue;
                        }
                        if printer_bars.println(&line).is_err() || printer_bars.is_hidden() {
                            eprintln!("{line}");
                        }
                    }
                    changed = view.changed() => {
                        if changed.is_err() { break }
                        let Some((fitted, message)) = projections(&view.borrow()) else {
                            continue;
                        };
                        if let Some(bar) = restore_bar_rx.borrow_and_update().as_ref() {
                            bar.set_message(message.clone());
                        }
                        // Without bars (output not a terminal), a line for a new fit
                        // at most every few seconds.
                        let due = last_line.is_none_or(|at| at.elapsed() >= LINE_EVERY);
                        if shown && printer_bars.is_hidden() && fitted > printed_fit && due {
                            printed_fit = fitted;
                            last_line = Some(Instant::now());
                            eprintln!("projection after {fitted} restores: {message}");
                        }
                    }
                }
            }
        });
        Progress {
            bars,
            shown,
            restore_bar,
            printer,
        }
    }

    /// A line between the bars (on stderr when there are none).
    pub fn note(&self, line: &str) {
        if self.shown && (self.bars.println(line).is_err() || self.bars.is_hidden()) {
            eprintln!("{line}");
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

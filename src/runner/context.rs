//! What every operation of a run shares, and how an operation becomes a row.

pub use super::slot::{PreparedClone, Slot, StepTimings};
pub use super::target_plan::TargetPlan;
use crate::engine::{Engine, EngineError};
use crate::event::{round_us, Event, LiveState};
use crate::record::{OpRecord, Outcome, Phase};
use crate::scenario::Scenario;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// What setup settled for the whole run, that every operation reads.
#[derive(Clone)]
pub struct RunPlan {
    pub run_id: String,
    /// The run directory, for what goes beside the CSVs (CRIU logs).
    pub run_dir: PathBuf,
    pub scenario: Arc<Scenario>,
    pub source: Arc<dyn Engine>,
    pub source_host: String,
    /// Where the containers go, in the scenario's order (at least one).
    pub targets: Vec<Arc<TargetPlan>>,
    pub image: String,
    /// `<checkpoint_dir>/<run_id>`: where the source writes checkpoints.
    pub checkpoint_root: PathBuf,
    /// Where a soak's way back stages checkpoints on the source's side.
    pub return_staging_root: Option<PathBuf>,
}

impl RunPlan {
    /// The target a slot was placed on (the one target until then: a
    /// fleet's slots are placed before anything reaches a target).
    pub fn target_of(&self, slot: &Slot) -> &Arc<TargetPlan> {
        let index = slot.target.unwrap_or(0).min(self.targets.len() - 1);
        &self.targets[index]
    }

    /// The same run the other way (a soak's even rounds; a soak has one
    /// target): the target's engine checkpoints and the source's restores,
    /// under the target's name. The checkpoints still pass through this
    /// machine's checkpoint directory.
    pub fn way_back(&self) -> RunPlan {
        let there = &self.targets[0];
        RunPlan {
            source: there.engine.clone(),
            source_host: there.host.clone(),
            targets: vec![Arc::new(TargetPlan {
                engine: self.source.clone(),
                host: self.source_host.clone(),
                staging_root: self.return_staging_root.clone(),
                ..there.as_ref().clone()
            })],
            return_staging_root: there.staging_root.clone(),
            ..self.clone()
        }
    }
}

/// Shared by every operation of a run: the plan setup made, and what the
/// run itself adds to it.
pub struct RunContext {
    pub plan: Arc<RunPlan>,
    /// The soak round the operations belong to, from 1.
    pub round: u32,
    pub events: mpsc::UnboundedSender<Event>,
    pub started: Instant,
    /// The wall clock at `started`, Unix ms: turns the workload's wall-clock
    /// times into run times.
    pub started_unix_ms: f64,
    pub live: Arc<LiveState>,
    /// Cancelled by SIGINT / SIGTERM.
    pub interrupt: CancellationToken,
    /// Stops every phase that drives the engines (guard, --fail-fast, interrupt).
    pub stop: CancellationToken,
    /// `--fail-fast`: the first failed operation stops the run.
    pub fail_fast: bool,
    /// Places a fleet's containers (`None` with one target: every slot is
    /// that target's from the start).
    pub placer: Option<Arc<super::placement::Placer>>,
}

/// Every operation reads the plan as the context's own fields.
impl std::ops::Deref for RunContext {
    type Target = RunPlan;

    fn deref(&self) -> &RunPlan {
        &self.plan
    }
}

/// How an operation ended, before it becomes a row.
pub enum OpEnd<T> {
    Ok(T),
    Failed(EngineError),
    Timeout,
}

/// What became of a target that stopped answering.
pub enum TargetWait {
    /// It answered again after this long (it restarted).
    Back(Duration),
    /// It stayed silent for the whole grace period.
    Gone,
    /// The run stopped while waiting.
    Stopped,
}

/// Directory of the run directory holding CRIU's logs of failed operations.
pub const CRIU_LOG_DIR: &str = "criu";
/// How often a silent target is asked whether it is back, and how long one ask may take.
const TARGET_POLL: Duration = Duration::from_millis(500);
const TARGET_ASK_TIMEOUT: Duration = Duration::from_secs(2);

/// Timing of an operation.
pub struct Timed<T> {
    pub end: OpEnd<T>,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub start_ms: f64,
    pub end_ms: f64,
}

impl RunContext {
    /// The context of soak round `round`, following `plan`.
    pub fn for_round(&self, plan: Arc<RunPlan>, round: u32) -> RunContext {
        RunContext {
            plan,
            round,
            events: self.events.clone(),
            started: self.started,
            started_unix_ms: self.started_unix_ms,
            live: self.live.clone(),
            interrupt: self.interrupt.clone(),
            stop: self.stop.clone(),
            fail_fast: self.fail_fast,
            placer: self.placer.clone(),
        }
    }

    /// Places `slot` on a target of the fleet, if it has none yet and is
    /// still on its way (a container whose checkpoint failed goes nowhere).
    pub fn place(&self, slot: &mut Slot) {
        if let (None, None, Some(placer)) = (slot.target, slot.stopped_at, &self.placer) {
            slot.target = Some(placer.place());
        }
    }

    /// Milliseconds since the run started, to the microsecond.
    pub fn now_ms(&self) -> f64 {
        round_us(self.started.elapsed().as_secs_f64() * 1000.0)
    }

    /// Runs `operation` under the scenario's operation timeout, timing it.
    pub async fn timed<T>(
        &self,
        operation: impl Future<Output = Result<T, EngineError>>,
    ) -> Timed<T> {
        let started_at = chrono::Utc::now();
        let start_ms = self.now_ms();
        let end = match tokio::time::timeout(self.scenario.op_timeout, operation).await {
            Ok(Ok(value)) => OpEnd::Ok(value),
            // The client's own timeout: the same hang, the same clean-up.
            Ok(Err(e)) if e.is_timeout() => OpEnd::Timeout,
            Ok(Err(e)) => OpEnd::Failed(e),
            Err(_) => OpEnd::Timeout,
        };
        Timed {
            end,
            started_at,
            start_ms,
            end_ms: self.now_ms(),
        }
    }

    /// A row for `slot` in `phase`, to be completed by the caller.
    pub fn row(&self, phase: Phase, slot: &Slot) -> OpRecord {
        let now = self.now_ms();
        OpRecord {
            run_id: self.run_id.clone(),
            container: slot.name.clone(),
            container_id: slot.source_id.clone().unwrap_or_default(),
            source_host: self.source_host.clone(),
            target_host: slot
                .target
                .map(|_| self.target_of(slot).host.clone())
                .unwrap_or_default(),
            target: slot
                .target
                .map(|_| self.target_of(slot).name.clone())
                .unwrap_or_default(),
            round: self.round,
            started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            start_ms: now,
            end_ms: now,
            ..OpRecord::new(phase, slot.index)
        }
    }

    /// A row from a timed operation; returns the value when it succeeded.
    pub fn timed_row<T>(&self, mut row: OpRecord, timed: Timed<T>) -> (OpRecord, Option<T>) {
        row.started_at = timed
            .started_at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        row.start_ms = timed.start_ms;
        row.end_ms = timed.end_ms;
        row.latency_ms = round_us(timed.end_ms - timed.start_ms);
        let value = match timed.end {
            OpEnd::Ok(value) => {
                row.outcome = Outcome::Ok;
                Some(value)
            }
            OpEnd::Failed(error) => {
                row.outcome = Outcome::Failed;
                row.error = error.to_string();
                if let Some(log) = error.criu_log() {
                    row.error.push_str(&self.keep_criu_log(&row, log));
                }
                None
            }
            OpEnd::Timeout => {
                row.outcome = Outcome::Timeout;
                row.error = format!(
                    "no answer within the operation timeout of {} s (timeout_s)",
                    self.scenario.op_timeout.as_secs()
                );
                None
            }
        };
        (row, value)
    }

    /// Writes CRIU's log of a failed operation into the run directory; returns
    /// the note for the row's error saying where it is.
    pub fn keep_criu_log(&self, row: &OpRecord, log: &str) -> String {
        let dir = self.run_dir.join(CRIU_LOG_DIR);
        let file = format!("{}-{}.log", row.container, row.phase.as_str());
        let written =
            std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(dir.join(&file), log));
        match written {
            Ok(()) => format!(" (CRIU log: {CRIU_LOG_DIR}/{file})"),
            Err(e) => format!(" (CRIU log not kept: {}: {e})", dir.join(&file).display()),
        }
    }

    /// After an operation found `target` unreachable: asks it again every
    /// half second, for up to `collapse.engine_grace_s`, whether it is back.
    pub async fn wait_for_target(&self, target: &TargetPlan) -> TargetWait {
        let grace = Duration::from_secs(self.scenario.collapse.engine_grace_s.get());
        let waiting = Instant::now();
        loop {
            let answered = tokio::time::timeout(TARGET_ASK_TIMEOUT, target.engine.info()).await;
            if matches!(answered, Ok(Ok(_))) {
                return TargetWait::Back(waiting.elapsed());
            }
            if waiting.elapsed() >= grace {
                return TargetWait::Gone;
            }
            tokio::select! {
                () = tokio::time::sleep(TARGET_POLL) => {}
                () = self.stop.cancelled() => return TargetWait::Stopped,
            }
        }
    }

    /// Sends a finished row to the recorder.
    pub fn emit(&self, row: OpRecord) {
        if self.fail_fast && row.outcome.is_failure() {
            self.stop.cancel();
        }
        // The recorder outlives every worker; a send can only fail during a
        // crash unwinding, when there is nothing left to record into.
        let _ = self.events.send(Event::Op(Box::new(row)));
    }

    /// Returns once the recorder has handled every row sent so far (and the
    /// guard has judged them).
    pub async fn recorded(&self) {
        let (done, handled) = tokio::sync::oneshot::channel();
        if self.events.send(Event::Barrier(done)).is_ok() {
            // A recorder gone (a crash unwinding) has nothing left to judge.
            let _ = handled.await;
        }
    }

    /// Records `phase` as failed for a slot whose operation panicked (a bug in
    /// migbench): the container keeps its row and the batch goes on.
    pub fn record_panic(&self, phase: Phase, slot: &mut Slot, panic: &str) {
        let mut row = self.row(phase, slot);
        row.outcome = Outcome::Failed;
        row.error = format!(
            "migbench bug: the {} operation panicked ({panic}); please report it",
            phase.as_str()
        );
        self.emit(row);
        slot.stopped_at.get_or_insert(phase);
    }

    /// Records `phase` as skipped for a slot that stopped earlier (or was not reached).
    pub fn skip(&self, phase: Phase, slot: &mut Slot, why: &str) {
        let mut row = self.row(phase, slot);
        row.error = why.to_string();
        if self.interrupt.is_cancelled() {
            row.outcome = Outcome::Interrupted;
        }
        self.emit(row);
        slot.stopped_at.get_or_insert(phase);
    }
}

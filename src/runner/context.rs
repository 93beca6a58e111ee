//! What every operation of a run shares, and how an operation becomes a row.

use super::lines::CounterLine;
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

/// One target of the run, ready: its engine and how checkpoints reach it.
#[derive(Clone)]
pub struct TargetPlan {
    /// Its name in the scenario (`[[targets]]` name, "target" for `[target]`).
    pub name: String,
    pub engine: Arc<dyn Engine>,
    /// Its host as the rows name it (`emulated:<host>` or its endpoint).
    pub host: String,
    /// Where `copy` transfers put checkpoints on its side, if any.
    pub staging_root: Option<PathBuf>,
    /// The emulated target's own link and its name, when it has one: a
    /// failed transfer says whether it is up.
    pub link: Option<(crate::host::network::HostNetwork, String)>,
    /// The checkpoint crosses to it inside its restore (the engine takes it
    /// as the request's body): no transfer phase, and each restore records
    /// its transfer row (see `transfer_in_restore`).
    pub transfer_in_restore: bool,
}

impl TargetPlan {
    /// "; the link to host 'h' (mbv3, 20 Mbit/s) is down", or nothing
    /// when the target has no link of its own.
    pub fn link_state(&self) -> String {
        self.link
            .as_ref()
            .map(|(net, host)| format!("; {}", crate::host::network::describe_link(net, host)))
            .unwrap_or_default()
    }

    /// Whether its checkpoints cross in a step of their own (a staged copy)
    /// or inside the restore: either way, a transfer row.
    pub fn has_transfer(&self) -> bool {
        self.staging_root.is_some() || self.transfer_in_restore
    }
}

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
    pub fn target_of(&self, slot: &Slot) -> &TargetPlan {
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

/// One container's journey through the phases.
#[derive(Debug, Clone)]
pub struct Slot {
    pub index: usize,
    pub name: String,
    pub source_id: Option<String>,
    /// The original's last line before its checkpoint.
    pub before: Option<CounterLine>,
    /// Where its checkpoint is now.
    pub checkpoint: Option<PathBuf>,
    /// Its checkpoint as the source wrote it, kept for a rollback.
    pub source_checkpoint: Option<PathBuf>,
    pub clone_id: Option<String>,
    pub restored: bool,
    /// The soak round this journey belongs to, from 1.
    pub round: u32,
    /// The first phase that failed or was skipped for it.
    pub stopped_at: Option<Phase>,
    /// When its steps ran, for the parts of its downtime.
    pub timings: StepTimings,
    /// Its clone, made on the target before the checkpoint.
    pub prepared: Option<PreparedClone>,
    /// The fleet target it was placed on (index into the plan's targets);
    /// `None` in a fleet until its restore begins.
    pub target: Option<usize>,
}

/// A clone the target made ahead of the freeze (`Engine::prepare_clone`).
#[derive(Debug, Clone)]
pub struct PreparedClone {
    pub id: String,
    /// How long it took: work no longer inside the downtime, ms.
    pub took_ms: f64,
}

/// When a container's steps ended or took, ms since the run started.
#[derive(Debug, Clone, Copy, Default)]
pub struct StepTimings {
    pub checkpoint_end_ms: Option<f64>,
    pub transfer_ms: Option<f64>,
    pub restore_start_ms: Option<f64>,
    pub restore_end_ms: Option<f64>,
}

impl Slot {
    /// The slot of container `index`, named `name`, before anything happened to it.
    pub fn new(index: usize, name: String) -> Slot {
        Slot {
            index,
            name,
            source_id: None,
            before: None,
            checkpoint: None,
            source_checkpoint: None,
            clone_id: None,
            prepared: None,
            target: None,
            restored: false,
            round: 1,
            stopped_at: None,
            timings: StepTimings::default(),
        }
    }

    /// The name of what this round makes of the container: `kind` "r" for
    /// its clone, "b" for its rollback (`<name>-r`, then `<name>-r2`...).
    pub fn made_name(&self, kind: &str) -> String {
        match self.round {
            1 => format!("{}-{kind}", self.name),
            round => format!("{}-{kind}{round}", self.name),
        }
    }

    /// The name its checkpoint is written under this round.
    pub fn checkpoint_name(&self) -> String {
        match self.round {
            1 => self.name.clone(),
            round => format!("{}-round{round}", self.name),
        }
    }

    /// Whether it was restored and continued where it stopped.
    pub fn continued(&self) -> bool {
        self.restored && self.stopped_at.is_none()
    }

    /// Its next round's journey, starting from its clone (which becomes the
    /// container to migrate); one that did not continue stays out of the
    /// soak, stopped where it was.
    pub fn next_round(self) -> Slot {
        let round = self.round + 1;
        if !self.continued() {
            return Slot {
                round,
                stopped_at: self.stopped_at.or(Some(Phase::Verify)),
                ..Slot::new(self.index, self.name)
            };
        }
        Slot {
            source_id: self.clone_id,
            round,
            target: self.target,
            ..Slot::new(self.index, self.name)
        }
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

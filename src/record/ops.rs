//! One row of `ops.csv`: one operation on one container.

use serde::{Deserialize, Serialize};

/// The phases of a run, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Shipping the workload image to the target (once per run).
    Image,
    Launch,
    Checkpoint,
    Transfer,
    Restore,
    Verify,
    /// A container whose transfer or restore failed, restored on its source
    /// from its own checkpoint (`on_failure = "rollback"`).
    Rollback,
}

impl Phase {
    pub const ALL: [Phase; 7] = [
        Phase::Image,
        Phase::Launch,
        Phase::Checkpoint,
        Phase::Transfer,
        Phase::Restore,
        Phase::Verify,
        Phase::Rollback,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Image => "image",
            Phase::Launch => "launch",
            Phase::Checkpoint => "checkpoint",
            Phase::Transfer => "transfer",
            Phase::Restore => "restore",
            Phase::Verify => "verify",
            Phase::Rollback => "rollback",
        }
    }
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Failed,
    Timeout,
    /// Not attempted: an earlier phase failed for this container, or the guard stopped the run.
    Skipped,
    /// Abandoned because the run was interrupted.
    Interrupted,
    /// Failed because the engine stopped answering and did not answer again
    /// within `collapse.engine_grace_s`.
    EngineDown,
    /// Verify: the check could not be made because an engine did not answer
    /// (the error says which). Neither continued nor lost.
    Unchecked,
    /// Pipeline mode: the run stopped (guard, interrupt, --fail-fast) before
    /// this container's migration began; it was left running on the source.
    NotMigrated,
    /// Verify: the migration failed, and the container was restored on its
    /// source from its own checkpoint and continued there. A failed migration
    /// (its transfer or restore row says why), not a lost state.
    RolledBack,
}

impl Outcome {
    pub fn is_ok(self) -> bool {
        self == Outcome::Ok
    }

    /// The operation ran (it succeeded or failed), rather than being skipped.
    pub fn is_attempted(self) -> bool {
        self.is_ok() || self.is_failure()
    }

    /// Attempted and did not succeed (an unchecked verification included:
    /// the operation failed, though no state is known lost).
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Outcome::Failed | Outcome::Timeout | Outcome::EngineDown | Outcome::Unchecked
        )
    }

    /// Verify: checked, and the state did not survive.
    pub fn is_lost(self) -> bool {
        matches!(
            self,
            Outcome::Failed | Outcome::Timeout | Outcome::EngineDown
        )
    }
}

/// A row of ops.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpRecord {
    pub run_id: String,
    pub phase: Phase,
    /// 0-based container index in the batch.
    pub index: usize,
    /// Name of the original container.
    pub container: String,
    /// Id the operation acted on (the clone's for restore and verify).
    pub container_id: String,
    pub source_host: String,
    pub target_host: String,
    /// Wall-clock start, RFC 3339 UTC.
    pub started_at: String,
    /// Start and end, milliseconds since the run started.
    pub start_ms: f64,
    pub end_ms: f64,
    pub latency_ms: f64,
    /// Checkpoint size (checkpoint), bytes moved (transfer, image).
    pub bytes: Option<u64>,
    pub outcome: Outcome,
    pub error: String,
    /// Verify: last counter the original printed before its checkpoint.
    pub seq_before: Option<u64>,
    /// Verify: first counter the clone printed after its restore.
    pub seq_after: Option<u64>,
    /// Verify: how long the container was down, as the workload measured it
    /// (its last tick before the freeze to its first tick after the restore), ms.
    #[serde(default)]
    pub downtime_ms: Option<f64>,
    /// Verify: the downtime's parts, from the harness's timings: freeze to the
    /// end of the checkpoint, the transfer, waiting between steps (a batch's
    /// queueing), the restore, and the restore's end to the first tick.
    #[serde(default)]
    pub downtime_checkpoint_ms: Option<f64>,
    #[serde(default)]
    pub downtime_transfer_ms: Option<f64>,
    #[serde(default)]
    pub downtime_waiting_ms: Option<f64>,
    #[serde(default)]
    pub downtime_restore_ms: Option<f64>,
    #[serde(default)]
    pub downtime_resume_ms: Option<f64>,
    /// CRIU's own time for the operation (checkpoint: freezing + frozen;
    /// restore: restore incl. forking), ms. This block is empty where the
    /// engine does not give CRIU's statistics (Docker drops them).
    #[serde(default)]
    pub criu_ms: Option<f64>,
    /// Checkpoint: CRIU's freezing, frozen, memdump and memwrite times, ms.
    #[serde(default)]
    pub criu_freezing_ms: Option<f64>,
    #[serde(default)]
    pub criu_frozen_ms: Option<f64>,
    #[serde(default)]
    pub criu_memdump_ms: Option<f64>,
    #[serde(default)]
    pub criu_memwrite_ms: Option<f64>,
    /// Checkpoint: memory pages CRIU scanned and wrote.
    #[serde(default)]
    pub criu_pages_scanned: Option<u64>,
    #[serde(default)]
    pub criu_pages_written: Option<u64>,
    /// Restore: memory pages CRIU restored.
    #[serde(default)]
    pub criu_pages_restored: Option<u64>,
    /// The OCI runtime's own time for the operation (runc + CRIU), ms.
    #[serde(default)]
    pub runtime_ms: Option<f64>,
    /// Transfer: the effective rate, `bytes` over `latency_ms`, in MB/s
    /// (10^6 bytes per second, as link rates are decimal: 100 mbit/s is 12.5 MB/s).
    #[serde(default)]
    pub rate_mb_per_s: Option<f64>,
    /// The order in which the recorder received this row, counted from 1 over
    /// ops.csv and samples.csv together: the order the live collapse detector
    /// saw. 0 in runs recorded before this column existed.
    #[serde(default)]
    pub seq: u64,
    /// The soak round this operation belongs to, from 1 (odd rounds go from
    /// the source to the target, even ones back); 1 in a run of one round.
    #[serde(default = "first_round")]
    pub round: u32,
    /// Lazy restore (runc, `strategy = "lazy"`): pages served after the
    /// process ran again.
    #[serde(default)]
    pub lazy_pages: Option<u64>,
    /// Lazy restore: from its start to the last page in, ms; `runtime_ms`
    /// is until the process ran, and the time between is its degraded period.
    #[serde(default)]
    pub lazy_last_page_ms: Option<f64>,
    /// Restore: how long making its clone on the target took before the
    /// checkpoint (outside the downtime), ms; empty where the engine makes
    /// it inside the restore (Podman's import).
    #[serde(default)]
    pub prepared_ms: Option<f64>,
    /// The fleet target the container was placed on (`[[targets]]` name,
    /// "target" for `[target]`); empty before it was placed (launch,
    /// checkpoint, a migration the run never placed) and in runs recorded
    /// before fleets existed.
    #[serde(default)]
    pub target: String,
}

fn first_round() -> u32 {
    1
}

impl OpRecord {
    /// Which migration this row belongs to: the container's, in its round.
    pub fn migration_key(&self) -> (u32, usize) {
        (self.round, self.index)
    }

    /// A row for container `index` in `phase` with nothing else known yet
    /// (outcome `skipped`, no times, no error): to be filled in.
    pub fn new(phase: Phase, index: usize) -> OpRecord {
        OpRecord {
            run_id: String::new(),
            phase,
            index,
            container: String::new(),
            container_id: String::new(),
            source_host: String::new(),
            target_host: String::new(),
            started_at: String::new(),
            start_ms: 0.0,
            end_ms: 0.0,
            latency_ms: 0.0,
            bytes: None,
            outcome: Outcome::Skipped,
            error: String::new(),
            seq_before: None,
            seq_after: None,
            downtime_ms: None,
            round: 1,
            downtime_checkpoint_ms: None,
            downtime_transfer_ms: None,
            downtime_waiting_ms: None,
            downtime_restore_ms: None,
            downtime_resume_ms: None,
            criu_ms: None,
            criu_freezing_ms: None,
            criu_frozen_ms: None,
            criu_memdump_ms: None,
            criu_memwrite_ms: None,
            criu_pages_scanned: None,
            criu_pages_written: None,
            criu_pages_restored: None,
            runtime_ms: None,
            lazy_pages: None,
            lazy_last_page_ms: None,
            prepared_ms: None,
            rate_mb_per_s: None,
            seq: 0,
            target: String::new(),
        }
    }

    /// Sets the effective rate from `bytes` and `latency_ms` (none when
    /// either is missing or the time is zero).
    pub fn set_rate(&mut self) {
        self.rate_mb_per_s = self
            .bytes
            .filter(|_| self.latency_ms > 0.0)
            .map(|bytes| rate_mb_per_s(bytes, self.latency_ms));
    }
}

/// `bytes` over `ms`, in MB/s (10^6 bytes per second), to 4 decimals.
pub fn rate_mb_per_s(bytes: u64, ms: f64) -> f64 {
    let rate = bytes as f64 / 1e6 / (ms / 1000.0);
    (rate * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ops.csv format is an interface (README, scripts): this pins it.
    #[test]
    fn csv_header_and_row_format() {
        let row = OpRecord {
            run_id: "smoke-20260101T000000Z-1".into(),
            phase: Phase::Verify,
            index: 2,
            container: "mb-x-0002".into(),
            container_id: "abc".into(),
            source_host: "unix:///var/run/docker.sock".into(),
            target_host: "emulated:r1".into(),
            started_at: "2026-01-01T00:00:01.000Z".into(),
            start_ms: 1000.5,
            end_ms: 1002.25,
            latency_ms: 1.75,
            bytes: None,
            outcome: Outcome::Ok,
            error: "a, \"quoted\" error".into(),
            seq_before: Some(6),
            seq_after: Some(7),
            downtime_ms: Some(912.0),
            downtime_checkpoint_ms: Some(180.5),
            downtime_transfer_ms: None,
            downtime_waiting_ms: Some(400.0),
            downtime_restore_ms: Some(301.5),
            downtime_resume_ms: Some(30.0),
            criu_ms: None,
            criu_freezing_ms: None,
            criu_frozen_ms: None,
            criu_memdump_ms: None,
            criu_memwrite_ms: None,
            criu_pages_scanned: None,
            criu_pages_written: None,
            criu_pages_restored: None,
            runtime_ms: None,
            lazy_pages: None,
            lazy_last_page_ms: None,
            prepared_ms: None,
            rate_mb_per_s: None,
            seq: 57,
            round: 2,
            target: String::new(),
        };
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.serialize(&row).expect("serialize");
        let text = String::from_utf8(writer.into_inner().expect("flush")).expect("utf8");
        assert_eq!(
            text,
            "run_id,phase,index,container,container_id,source_host,target_host,started_at,start_ms,end_ms,latency_ms,bytes,outcome,error,seq_before,seq_after,downtime_ms,downtime_checkpoint_ms,downtime_transfer_ms,downtime_waiting_ms,downtime_restore_ms,downtime_resume_ms,criu_ms,criu_freezing_ms,criu_frozen_ms,criu_memdump_ms,criu_memwrite_ms,criu_pages_scanned,criu_pages_written,criu_pages_restored,runtime_ms,rate_mb_per_s,seq,round,lazy_pages,lazy_last_page_ms,prepared_ms,target\n\
             smoke-20260101T000000Z-1,verify,2,mb-x-0002,abc,unix:///var/run/docker.sock,emulated:r1,2026-01-01T00:00:01.000Z,1000.5,1002.25,1.75,,ok,\"a, \"\"quoted\"\" error\",6,7,912.0,180.5,,400.0,301.5,30.0,,,,,,,,,,,57,2,,,,\n"
        );
        let back: OpRecord = csv::Reader::from_reader(text.as_bytes())
            .deserialize()
            .next()
            .expect("a row")
            .expect("parses");
        assert_eq!(back, row);
    }

    #[test]
    fn the_rate_is_bytes_over_time_in_decimal_mb_per_s() {
        let mut row = OpRecord::new(Phase::Transfer, 0);
        row.set_rate();
        assert_eq!(row.rate_mb_per_s, None);
        row.bytes = Some(17_000_000);
        row.latency_ms = 6800.0;
        row.set_rate();
        assert_eq!(row.rate_mb_per_s, Some(2.5));
        row.latency_ms = 0.0;
        row.set_rate();
        assert_eq!(row.rate_mb_per_s, None);
        assert_eq!(rate_mb_per_s(1, 3.0), 0.0003);
    }

    /// Runs recorded before the `seq` and `downtime_*` columns still load
    /// (with seq 0 and no downtime); their `service_gap_ms` is left out.
    #[test]
    fn a_row_without_the_seq_column_reads_as_seq_0() {
        let text = "run_id,phase,index,container,container_id,source_host,target_host,started_at,start_ms,end_ms,latency_ms,bytes,outcome,error,seq_before,seq_after,service_gap_ms\n\
             r,restore,0,c,id,s,t,2026-01-01T00:00:01.000Z,1.0,2.0,1.0,,ok,,,,\n";
        let back: OpRecord = csv::Reader::from_reader(text.as_bytes())
            .deserialize()
            .next()
            .expect("a row")
            .expect("parses");
        assert_eq!((back.phase, back.seq), (Phase::Restore, 0));
        assert_eq!(back.downtime_ms, None);
    }
}

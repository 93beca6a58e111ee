//! The per-container operations of each phase. Each takes a slot, records
//! exactly one row for it, and hands the slot on.

use super::container_spec::spec;
use super::context::{OpEnd, RunContext, Slot, TargetPlan, TargetWait};
use crate::engine::{copy_dir, dir_bytes, Engine, EngineError};
use crate::event::Step;
use crate::record::{OpRecord, Outcome, Phase};
use std::path::PathBuf;

/// Launch: create and start the original on the source.
pub async fn launch(ctx: &RunContext, mut slot: Slot) -> Slot {
    let spec = spec(ctx, &slot, slot.name.clone());
    let timed = ctx
        .timed(async {
            let id = ctx.source.create(&spec).await?;
            ctx.source.start(&id).await?;
            Ok(id)
        })
        .await;
    let (mut row, id) = ctx.timed_row(ctx.row(Phase::Launch, &slot), timed);
    match id {
        Some(id) => {
            row.container_id = id.clone();
            slot.source_id = Some(id);
        }
        None => {
            slot.stopped_at = Some(Phase::Launch);
        }
    }
    ctx.emit(row);
    slot
}

/// Checkpoint: dump the original into `<checkpoint_root>/<name>` and stop it.
pub async fn checkpoint(ctx: &RunContext, mut slot: Slot) -> Slot {
    let Some(id) = slot.source_id.clone().filter(|_| slot.stopped_at.is_none()) else {
        let why = match slot.round {
            1 => "not launched",
            _ => "out of the soak: its migration did not continue in an earlier round",
        };
        ctx.skip(Phase::Checkpoint, &mut slot, why);
        return slot;
    };
    super::prepare_ahead::prepare_clone(ctx, &mut slot).await;
    let timed = {
        let _in_flight = ctx.live.enter(Step::Checkpoint);
        ctx.timed(
            ctx.source
                .checkpoint(&id, &ctx.checkpoint_root, &slot.checkpoint_name()),
        )
        .await
    };
    slot.timings.checkpoint_end_ms = Some(timed.end_ms);
    let (mut row, done) = ctx.timed_row(ctx.row(Phase::Checkpoint, &slot), timed);
    match done {
        Some(done) => {
            row.bytes = Some(done.bytes);
            row.set_criu_stats(&done.stats);
            // The original's last counter is read at verification, not here: the
            // phase then costs exactly what the engine's checkpoints cost.
            slot.source_checkpoint = Some(done.path.clone());
            slot.checkpoint = Some(done.path);
        }
        None => slot.stopped_at = Some(Phase::Checkpoint),
    }
    ctx.emit(row);
    slot
}

/// Transfer (`copy` mode, separate target): copy the checkpoint to the target's side.
pub async fn transfer(ctx: &RunContext, mut slot: Slot) -> Slot {
    let (Some(from), Some(staging), None) = (
        slot.checkpoint.clone(),
        ctx.target_of(&slot).staging_root.clone(),
        slot.stopped_at,
    ) else {
        ctx.skip(Phase::Transfer, &mut slot, "no checkpoint to transfer");
        return slot;
    };
    let to: PathBuf = staging.join(slot.checkpoint_name());
    let (from_c, to_c) = (from.clone(), to.clone());
    let _in_flight = ctx.live.enter(Step::Transfer);
    let timed = ctx
        .timed(async move {
            let copy = tokio::task::spawn_blocking(move || {
                crate::work_cpu::counted(|| {
                    copy_dir(&from_c, &to_c)?;
                    let bytes = dir_bytes(&to_c)?;
                    crate::work_cpu::add_bytes(bytes);
                    Ok(bytes)
                })
            });
            copy.await.map_err(|e| EngineError::Io {
                what: "checkpoint copy task failed".into(),
                path: from.clone(),
                source: std::io::Error::other(e),
            })?
        })
        .await;
    slot.timings.transfer_ms = Some(timed.end_ms - timed.start_ms);
    let (mut row, bytes) = ctx.timed_row(ctx.row(Phase::Transfer, &slot), timed);
    row.bytes = bytes;
    row.set_rate();
    if bytes.is_some() {
        slot.checkpoint = Some(to);
    } else {
        slot.stopped_at = Some(Phase::Transfer);
    }
    ctx.emit(row);
    slot
}

/// Places `slot` on a target of the fleet (if it has none yet), then
/// stages its checkpoint there when that target takes checkpoints into a
/// directory of its own: what comes before its restore.
pub async fn place_and_stage(ctx: &RunContext, mut slot: Slot) -> Slot {
    ctx.place(&mut slot);
    if ctx.target_of(&slot).staging_root.is_some() {
        transfer(ctx, slot).await
    } else {
        slot
    }
}

/// Restore: the target engine creates the clone from the checkpoint and
/// starts it (how the checkpoint reaches its store is the engine's business).
/// Timed as a whole, as the lab did. When the checkpoint reaches the target
/// inside the restore (a Podman import's body, an SSH stream), that upload is
/// also the migration's transfer row: a part of the restore (see `upload`).
pub async fn restore(ctx: &RunContext, mut slot: Slot) -> Slot {
    let target = ctx.target_of(&slot).clone();
    let (Some(checkpoint), None) = (slot.checkpoint.clone(), slot.stopped_at) else {
        if target.transfer_in_restore {
            ctx.skip(Phase::Transfer, &mut slot, "no checkpoint to transfer");
        }
        ctx.skip(Phase::Restore, &mut slot, "no checkpoint to restore");
        return slot;
    };
    let spec = spec(ctx, &slot, slot.made_name("r"));
    let created = std::sync::OnceLock::new();
    if let Some(prepared) = &slot.prepared {
        let _ = created.set(prepared.id.clone());
    }
    let in_flight = ctx.live.enter(Step::Restore);
    let timed = ctx
        .timed(target.engine.restore(&spec, &checkpoint, &created))
        .await;
    drop(in_flight);
    slot.timings.restore_start_ms = Some(timed.start_ms);
    slot.timings.restore_end_ms = Some(timed.end_ms);
    let target_silent = matches!(&timed.end, OpEnd::Failed(e) if e.is_engine_down());
    // The checkpoint never reached the target: the transfer failed, named with its link.
    let undelivered = match &timed.end {
        OpEnd::Failed(e) if e.is_transfer() => Some(format!("{e}{}", target.link_state())),
        _ => None,
    };
    let (mut row, restored) = ctx.timed_row(ctx.row(Phase::Restore, &slot), timed);
    if target.transfer_in_restore {
        let transfer = match &undelivered {
            Some(error) => Err(error.as_str()),
            None => Ok(restored.as_ref()),
        };
        super::transfer_in_restore::record(ctx, &mut slot, transfer);
    }
    if let Some(error) = undelivered {
        row.error = error;
    }
    if target_silent {
        await_silent_target(ctx, &target, &mut row).await;
    }
    // Keep the clone's id even when its restore failed, for cleanup and the row.
    slot.clone_id = created.get().cloned();
    if let Some(restored) = &restored {
        row.set_criu_stats(&restored.stats);
        slot.clone_id = Some(restored.id.clone());
    }
    row.container_id = slot.clone_id.clone().unwrap_or_default();
    row.prepared_ms = slot
        .prepared
        .as_ref()
        .map(|p| crate::event::round_us(p.took_ms));
    if let (Outcome::Timeout, Some(id)) = (row.outcome, &slot.clone_id) {
        abandon_hung_restore(ctx, target.engine.as_ref(), &mut row, id).await;
    }
    if restored.is_some() {
        slot.restored = true;
        ctx.live.add_migrated(slot.target.unwrap_or(0));
    } else {
        slot.stopped_at = Some(Phase::Restore);
    }
    ctx.emit(row);
    slot
}

/// A restore found the target silent. A restarting engine makes it a failed
/// restore and the batch goes on; one silent past the grace period is down: a collapse.
async fn await_silent_target(ctx: &RunContext, target: &TargetPlan, row: &mut OpRecord) {
    match ctx.wait_for_target(target).await {
        TargetWait::Back(after) => row.error.push_str(&format!(
            "; the engine answered again {:.1} s later (restarted), the batch goes on",
            after.as_secs_f64()
        )),
        TargetWait::Gone => {
            row.outcome = Outcome::EngineDown;
            row.error.push_str(&format!(
                "; no answer for {} s (collapse.engine_grace_s): the target engine is down",
                ctx.scenario.collapse.engine_grace_s.get()
            ));
        }
        TargetWait::Stopped => {}
    }
}

/// A hung CRIU keeps the engine busy with the clone and can fill the disk with
/// its log: end it, keeping what it logged.
pub async fn abandon_hung_restore(
    ctx: &RunContext,
    engine: &dyn Engine,
    row: &mut OpRecord,
    clone_id: &str,
) {
    let log = engine.abandon_restore(clone_id).await;
    row.error
        .push_str("; restore abandoned: its runc and CRIU processes were killed");
    if let Some(log) = log {
        let note = ctx.keep_criu_log(row, &log);
        row.error.push_str(&note);
    }
}

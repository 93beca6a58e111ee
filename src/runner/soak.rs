//! A soak (`rounds` > 1): the batch migrates to the target, back to the
//! source, and so on, each round in the scenario's mode and verified. After a
//! round, what it left behind is retired (the stopped containers it migrated
//! from, their checkpoints), and the machine is measured into rounds.csv, so
//! a harness or an engine that grows round over round shows as a series.

use super::context::{RunContext, RunPlan, Slot};
use super::progress::Progress;
use super::{batch, pipeline};
use crate::engine::{Engine, RUN_LABEL};
use crate::record::{CsvAppender, RoundRow};
use crate::scenario::Mode;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Where containerd leaves its checkpoint copies.
const TMP_DIR: &str = "/tmp";

/// Migrates the launched `slots` for every round of the scenario; a stop
/// ends the soak after the round it met. Returns the slots of the last round
/// run, the rows measured after each round, and what could not be retired.
pub async fn migrate_rounds(
    first: &Arc<RunContext>,
    progress: &Progress,
    mut slots: Vec<Slot>,
    stop: &CancellationToken,
    mut rounds_csv: Option<CsvAppender<RoundRow>>,
) -> Rounds {
    let rounds = first.scenario.rounds;
    let there = first.plan.clone();
    let back = Arc::new(there.way_back());
    let mut done = Rounds::default();
    for round in 1..=rounds {
        let plan = if round % 2 == 1 { &there } else { &back };
        let ctx = Arc::new(first.for_round(plan.clone(), round));
        if rounds > 1 {
            progress.note(&format!(
                "round {round} of {rounds}: {} -> {}",
                ctx.source_host, ctx.targets[0].host
            ));
        }
        slots = match ctx.scenario.mode {
            Mode::Batch => batch::migrate(&ctx, progress, slots, stop).await,
            Mode::Pipeline => pipeline::migrate(&ctx, progress, slots, stop).await,
        };
        if rounds == 1 {
            break;
        }
        done.errors.extend(retire(&ctx, &slots).await);
        let row = measure(&ctx, &slots).await;
        if let Some(csv) = rounds_csv.as_mut() {
            if let Err(e) = csv.append(&row) {
                done.errors.push(e.to_string());
            }
        }
        done.rows.push(row);
        if stop.is_cancelled() || round == rounds {
            break;
        }
        slots = slots.into_iter().map(Slot::next_round).collect();
    }
    if let Some(Err(e)) = rounds_csv.as_mut().map(CsvAppender::sync) {
        done.errors.push(e.to_string());
    }
    done.slots = slots;
    done
}

/// What the rounds left.
#[derive(Default)]
pub struct Rounds {
    pub slots: Vec<Slot>,
    pub rows: Vec<RoundRow>,
    /// What could not be retired or written, for the summary's notes.
    pub errors: Vec<String>,
}

/// Removes, for every container that continued this round, the stopped
/// container it was migrated from and its checkpoint (and staged copy):
/// a soak keeps only what runs.
async fn retire(ctx: &RunContext, slots: &[Slot]) -> Vec<String> {
    let mut errors = Vec::new();
    for slot in slots.iter().filter(|s| s.continued()) {
        if let Some(id) = &slot.source_id {
            if let Err(e) = ctx.source.remove(id).await {
                errors.push(format!(
                    "round {}: cannot remove '{}' after its migration: {e}",
                    ctx.round, slot.name
                ));
            }
        }
        let paths = [slot.source_checkpoint.as_ref(), slot.checkpoint.as_ref()];
        for path in paths.into_iter().flatten() {
            if let Err(e) = remove_path(path) {
                errors.push(format!("round {}: {e}", ctx.round));
            }
        }
    }
    errors
}

/// Removes a checkpoint: a directory (Docker) or an archive (Podman).
fn remove_path(path: &Path) -> Result<(), String> {
    let removed = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match removed {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("cannot remove '{}': {e}", path.display()))
        }
        _ => Ok(()),
    }
}

/// The machine and the run after round `ctx.round`.
async fn measure(ctx: &RunContext, slots: &[Slot]) -> RoundRow {
    let count = |engine: Arc<dyn Engine>| {
        let run_id = ctx.run_id.clone();
        async move {
            engine
                .list_labelled(RUN_LABEL, Some(&run_id))
                .await
                .map_or(0, |c| c.len())
        }
    };
    // The plan of round 1 names the engines as the scenario does.
    let plan: RunPlan = if ctx.round % 2 == 1 {
        ctx.plan.as_ref().clone()
    } else {
        ctx.plan.way_back()
    };
    let (source_containers, target_containers) = (
        count(plan.source.clone()).await,
        count(plan.targets[0].engine.clone()).await,
    );
    let stores = [
        store_root(plan.source.as_ref()).await,
        store_root(plan.targets[0].engine.as_ref()).await,
    ];
    let checkpoint_dirs: Vec<PathBuf> = [
        Some(plan.checkpoint_root.clone()),
        plan.targets[0].staging_root.clone(),
        plan.return_staging_root.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let sizes = tokio::task::spawn_blocking(move || {
        let tmp = tree_bytes(Path::new(TMP_DIR));
        let checkpoints: u64 = checkpoint_dirs.iter().map(|d| tree_bytes(d)).sum();
        let stores = stores.map(|root| root.map_or(0, |r| tree_bytes(&r)));
        (tmp, checkpoints, stores)
    })
    .await;
    let (tmp_bytes, checkpoint_bytes, [source_store_bytes, target_store_bytes]) =
        sizes.unwrap_or((0, 0, [0, 0]));
    RoundRow {
        round: ctx.round,
        end_ms: ctx.now_ms(),
        verified: slots.iter().filter(|s| s.continued()).count(),
        harness_rss_bytes: harness_rss_bytes(),
        harness_open_fds: std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count()),
        tmp_bytes,
        containerd_copies: crate::engine::litter_survey().count,
        checkpoint_bytes,
        source_store_bytes,
        target_store_bytes,
        source_containers,
        target_containers,
    }
}

/// An engine's data root, when it is on this machine's filesystem.
async fn store_root(engine: &dyn Engine) -> Option<PathBuf> {
    let root = engine.info().await.ok()?.data_root;
    root.is_dir().then_some(root)
}

/// Bytes of the regular files under `dir`, on its own filesystem only (the
/// containers' overlay mounts would count their image again); files that
/// vanish during the walk are skipped.
fn tree_bytes(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .same_file_system(true)
        .into_iter()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// migbench's resident memory now, bytes.
fn harness_rss_bytes() -> u64 {
    let pages = crate::process::stat(None).map_or(0, |s| s.rss);
    pages * rustix::param::page_size() as u64
}

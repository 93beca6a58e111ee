//! A scripted engine for the scheduling tests, and nothing else: every
//! operation takes the latency its script gives, fails or hangs where the
//! script says, and the workload's output is made up the way the real
//! workload prints it (`seq=<n> unix_ms=<ms>`), so the runner's verification
//! judges it as it judges a real clone. A checkpoint is a directory holding
//! the counter it stopped at: a restore on any fake engine reads it, as a
//! real restore reads CRIU's images. The engine counts what it was asked and
//! how many operations of each kind ran at once.
//!
//! Every user-visible behaviour is also tested on the real engines
//! (`tests/`); this one only makes the scheduling deterministic and fast.

use super::capabilities::{Capabilities, Intake, Strategy};
use super::contract::{
    Checkpointed, ContainerSpec, Engine, EngineError, EngineInfo, LabelledContainer, Restored,
};
pub use super::fake_script::{Call, Op, Script};
use super::kind::EngineKind;
use super::readiness::{Check, Role};
use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// The label the runner puts the container's index in.
const INDEX_LABEL: &str = "io.migbench.index";
/// The file of a fake checkpoint holding the counter it stopped at.
const SEQ_FILE: &str = "seq";
/// Counters an original prints before its checkpoint.
const ORIGINAL_LINES: u64 = 5;
/// Counters a clone prints after its restore.
const CLONE_LINES: u64 = 3;

#[derive(Debug, Clone)]
struct Container {
    name: String,
    index: usize,
    labels: HashMap<String, String>,
    running: bool,
    lines: Vec<String>,
    /// The counter of its first line (a clone's continues its original's).
    first_seq: u64,
}

#[derive(Default)]
struct State {
    containers: BTreeMap<String, Container>,
    next_id: u64,
    calls: Vec<Call>,
    running: HashMap<Op, usize>,
    most_at_once: HashMap<Op, usize>,
    abandoned: Vec<String>,
}

/// The scripted engine.
pub struct FakeEngine {
    endpoint: String,
    script: Script,
    state: Mutex<State>,
}

/// Counts an operation in flight until dropped, and notes when it ended.
struct Running<'a> {
    engine: &'a FakeEngine,
    op: Op,
    call: usize,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut state = self.engine.state();
        if let Some(count) = state.running.get_mut(&self.op) {
            *count -= 1;
        }
        if let Some(call) = state.calls.get_mut(self.call) {
            call.ended = Some(std::time::Instant::now());
        }
    }
}

fn line(seq: u64) -> String {
    format!("seq={seq} unix_ms={}", 1_700_000_000_000 + seq * 100)
}

impl FakeEngine {
    pub fn new(endpoint: &str, script: Script) -> FakeEngine {
        FakeEngine {
            endpoint: endpoint.to_string(),
            script,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A test that panicked holding the lock has failed already.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The calls answered so far, in the order they began.
    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    /// The most operations of `op` that ran at once.
    pub fn most_at_once(&self, op: Op) -> usize {
        self.state().most_at_once.get(&op).copied().unwrap_or(0)
    }

    /// The containers whose hung restore was abandoned.
    pub fn abandoned(&self) -> Vec<String> {
        self.state().abandoned.clone()
    }

    /// How many containers are left.
    pub fn containers(&self) -> usize {
        self.state().containers.len()
    }

    fn failed(&self, what: &str) -> EngineError {
        EngineError::Operation {
            endpoint: self.endpoint.clone(),
            what: what.to_string(),
            detail: "scripted failure".into(),
        }
    }

    fn not_found(&self, id: &str) -> EngineError {
        EngineError::Operation {
            endpoint: self.endpoint.clone(),
            what: format!("find container '{id}'"),
            detail: "no such container".into(),
        }
    }

    fn index_of(&self, id: &str) -> Result<usize, EngineError> {
        self.state()
            .containers
            .get(id)
            .map(|c| c.index)
            .ok_or_else(|| self.not_found(id))
    }

    /// Plays `op` on container `index`: counted, timed, failed or hung as scripted.
    async fn play(&self, op: Op, index: usize) -> Result<(), EngineError> {
        let guard = {
            let mut state = self.state();
            let count = state.running.entry(op).or_default();
            *count += 1;
            let now_running = *count;
            let most = state.most_at_once.entry(op).or_default();
            *most = (*most).max(now_running);
            state.calls.push(Call {
                op,
                index,
                started: std::time::Instant::now(),
                ended: None,
            });
            Running {
                engine: self,
                op,
                call: state.calls.len() - 1,
            }
        };
        if self.script.hangs.contains(&(op, index)) {
            std::future::pending::<()>().await;
        }
        if let Some(latency) = self.script.latency.get(&op) {
            tokio::time::sleep(*latency).await;
        }
        drop(guard);
        if self.script.fails.contains(&(op, index)) {
            return Err(self.failed(&format!("{op:?} of container {index}")));
        }
        Ok(())
    }

    fn add(&self, spec: &ContainerSpec, lines: Vec<String>) -> String {
        let index = spec
            .labels
            .get(INDEX_LABEL)
            .and_then(|i| i.parse().ok())
            .unwrap_or(0);
        let mut state = self.state();
        state.next_id += 1;
        let id = format!("{:064x}", state.next_id);
        state.containers.insert(
            id.clone(),
            Container {
                name: spec.name.clone(),
                index,
                labels: spec.labels.clone(),
                running: false,
                lines,
                first_seq: 1,
            },
        );
        id
    }
}

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> EngineError {
    let (what, path) = (what.to_string(), path.to_path_buf());
    move |source| EngineError::Io { what, path, source }
}

#[async_trait]
impl Engine for FakeEngine {
    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn kind(&self) -> EngineKind {
        EngineKind::Docker
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            intake: Intake::InRestore,
            strategies: &[Strategy::StopAndCopy],
        }
    }

    async fn info(&self) -> Result<EngineInfo, EngineError> {
        let running = self
            .state()
            .containers
            .values()
            .filter(|c| c.running)
            .count();
        Ok(EngineInfo {
            endpoint: self.endpoint.clone(),
            running_containers: running as u64,
            ..EngineInfo::default()
        })
    }

    async fn readiness(&self, _role: Role) -> Vec<Check> {
        Vec::new()
    }

    async fn clean_leftovers(&self, _is_live: for<'a> fn(&'a str) -> bool) -> Vec<String> {
        Vec::new()
    }

    async fn has_image(&self, _tag: &str) -> Result<bool, EngineError> {
        Ok(true)
    }

    async fn import_rootfs(&self, _rootfs_tar: Vec<u8>, _tag: &str) -> Result<(), EngineError> {
        Ok(())
    }

    async fn save_image(&self, _tag: &str) -> Result<Vec<u8>, EngineError> {
        Ok(Vec::new())
    }

    async fn load_image(&self, _image_tar: Vec<u8>) -> Result<(), EngineError> {
        Ok(())
    }

    async fn create(&self, spec: &ContainerSpec) -> Result<String, EngineError> {
        let id = self.add(spec, (1..=ORIGINAL_LINES).map(line).collect());
        let index = self.index_of(&id)?;
        self.play(Op::Create, index).await?;
        Ok(id)
    }

    async fn start(&self, id: &str) -> Result<(), EngineError> {
        self.play(Op::Start, self.index_of(id)?).await?;
        let mut state = self.state();
        let container = state
            .containers
            .get_mut(id)
            .ok_or_else(|| self.not_found(id))?;
        container.running = true;
        Ok(())
    }

    async fn checkpoint(
        &self,
        id: &str,
        dir: &Path,
        name: &str,
    ) -> Result<Checkpointed, EngineError> {
        self.play(Op::Checkpoint, self.index_of(id)?).await?;
        let seq = {
            let mut state = self.state();
            let container = state
                .containers
                .get_mut(id)
                .ok_or_else(|| self.not_found(id))?;
            container.running = false;
            // Its last counter (none printed: the one before its first).
            container.first_seq + container.lines.len() as u64 - 1
        };
        let path = dir.join(name);
        std::fs::create_dir_all(&path).map_err(io("create checkpoint", &path))?;
        std::fs::write(path.join(SEQ_FILE), seq.to_string())
            .map_err(io("write checkpoint", &path))?;
        Ok(Checkpointed {
            path,
            bytes: 8,
            ..Checkpointed::default()
        })
    }

    async fn restore(
        &self,
        spec: &ContainerSpec,
        checkpoint: &Path,
        created: &OnceLock<String>,
    ) -> Result<Restored, EngineError> {
        let file = checkpoint.join(SEQ_FILE);
        let stopped_at: u64 = std::fs::read_to_string(&file)
            .map_err(io("read checkpoint", &file))?
            .trim()
            .parse()
            .map_err(|_| self.failed("read the checkpoint's counter"))?;
        let id = self.add(spec, Vec::new());
        let _ = created.set(id.clone());
        let index = self.index_of(&id)?;
        self.play(Op::Restore, index).await?;
        let first = if self.script.restarts.contains(&index) {
            1
        } else {
            stopped_at + 1
        };
        let mut state = self.state();
        let container = state
            .containers
            .get_mut(&id)
            .ok_or_else(|| self.not_found(&id))?;
        container.lines = (first..first + CLONE_LINES).map(line).collect();
        container.first_seq = first;
        container.running = true;
        Ok(Restored {
            id,
            ..Restored::default()
        })
    }

    async fn abandon_restore(&self, id: &str) -> Option<String> {
        self.state().abandoned.push(id.to_string());
        None
    }

    async fn log_lines(&self, id: &str) -> Result<Vec<String>, EngineError> {
        let state = self.state();
        let container = state.containers.get(id).ok_or_else(|| self.not_found(id))?;
        Ok(container.lines.clone())
    }

    async fn is_running(&self, id: &str) -> Result<bool, EngineError> {
        let state = self.state();
        let container = state.containers.get(id).ok_or_else(|| self.not_found(id))?;
        Ok(container.running)
    }

    async fn remove(&self, id: &str) -> Result<(), EngineError> {
        self.state().containers.remove(id);
        Ok(())
    }

    async fn list_labelled(
        &self,
        label: &str,
        value: Option<&str>,
    ) -> Result<Vec<LabelledContainer>, EngineError> {
        let state = self.state();
        Ok(state
            .containers
            .iter()
            .filter_map(|(id, c)| {
                let found = c.labels.get(label)?;
                value.is_none_or(|v| v == found).then(|| LabelledContainer {
                    id: id.clone(),
                    name: c.name.clone(),
                    running: c.running,
                    label_value: found.clone(),
                })
            })
            .collect())
    }
}

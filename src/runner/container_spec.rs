//! What every container migbench makes is: the workload image, its command
//! line from the scenario, and labels naming the run and the container's
//! index in the batch.

use super::context::{RunContext, Slot};
use crate::engine::{image, ContainerSpec, RUN_LABEL};
use std::collections::HashMap;

/// Label holding the container's index in the batch.
const INDEX_LABEL: &str = "io.migbench.index";

/// The spec of container `slot` under `name` (the original, a clone, a rollback).
pub fn spec(ctx: &RunContext, slot: &Slot, name: String) -> ContainerSpec {
    ContainerSpec {
        name,
        image: ctx.image.clone(),
        cmd: image::workload_cmd(
            ctx.scenario.log_interval.as_millis() as u64,
            ctx.scenario.workload_memory_mib,
            ctx.scenario.tick.as_millis() as u64,
        ),
        labels: HashMap::from([
            (RUN_LABEL.to_string(), ctx.run_id.clone()),
            (INDEX_LABEL.to_string(), slot.index.to_string()),
        ]),
    }
}

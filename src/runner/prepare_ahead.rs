//! Work moved out of the freeze: before a container is checkpointed, its
//! clone is made on the target as far as the engine allows (Docker creates
//! it, runc writes its bundle), so the restore inside the downtime only
//! starts it. The time this took is recorded on the restore row
//! (`prepared_ms`): what the downtime no longer holds.

use super::context::{OpEnd, PreparedClone, RunContext, Slot};

/// Prepares `slot`'s clone on its target; a preparation that fails is only
/// logged: the restore then makes the clone itself, as without one. A slot
/// of a fleet is placed only when its restore begins: nothing to prepare on.
pub async fn prepare_clone(ctx: &RunContext, slot: &mut Slot) {
    if slot.target.is_none() {
        return;
    }
    let spec = super::container_spec::spec(ctx, slot, slot.made_name("r"));
    let target = ctx.target_of(slot).engine.clone();
    let timed = ctx.timed(target.prepare_clone(&spec)).await;
    let took_ms = timed.end_ms - timed.start_ms;
    match timed.end {
        OpEnd::Ok(Some(id)) => slot.prepared = Some(PreparedClone { id, took_ms }),
        OpEnd::Ok(None) => {}
        OpEnd::Failed(e) => {
            tracing::warn!(
                "{}: its clone could not be prepared ahead ({e}); the restore makes it",
                slot.name
            );
        }
        OpEnd::Timeout => {
            tracing::warn!(
                "{}: preparing its clone timed out; the restore makes it",
                slot.name
            );
        }
    }
}

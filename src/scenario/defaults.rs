//! Default values of scenario fields (one function each, for serde).

use super::checked::AbsoluteDir;
use super::ranged::{Factor, Percent, Ranged};

pub fn warmup_s() -> Ranged<0, 3600> {
    Ranged::new_const(2)
}
pub fn timeout_s() -> Ranged<1, 3600> {
    Ranged::new_const(120)
}
pub fn stall_s() -> Ranged<1, 3600> {
    Ranged::new_const(30)
}
pub fn rounds() -> Ranged<1, 1000> {
    Ranged::new_const(1)
}
pub fn concurrency() -> Ranged<1, 256> {
    Ranged::new_const(1)
}
pub fn log_interval_ms() -> Ranged<10, 60_000> {
    Ranged::new_const(1000)
}
pub fn tick_ms() -> Ranged<5, 1000> {
    Ranged::new_const(10)
}
pub fn checkpoint_dir() -> AbsoluteDir {
    AbsoluteDir::known("/var/lib/migbench/checkpoints")
}
pub fn sample_interval_ms() -> Ranged<20, 60_000> {
    Ranged::new_const(200)
}
pub fn knee_factor() -> Factor {
    Factor::new_const(4.0)
}
pub fn knee_baseline() -> Ranged<3, 1000> {
    Ranged::new_const(10)
}
pub fn knee_consecutive() -> Ranged<1, 1000> {
    Ranged::new_const(3)
}
pub fn psi_memory_full_pct() -> Percent {
    Percent::new_const(20.0)
}
pub fn swap_share_pct() -> Percent {
    Percent::new_const(90.0)
}
pub fn sampler_lag_ms() -> Ranged<10, 600_000> {
    Ranged::new_const(2000)
}
pub fn engine_grace_s() -> Ranged<0, 3600> {
    Ranged::new_const(30)
}
pub fn host_min_available_mib() -> Ranged<0, 1_048_576> {
    Ranged::new_const(512)
}
pub fn projection_restores() -> Ranged<1, 10_000> {
    Ranged::new_const(20)
}

//! The emulated target's budget as the run recorded it (`target_budget` in
//! environment.json), typed for whoever reports on the run.

use serde::Deserialize;

/// An emulated target's budget; every field may be missing from older runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
pub struct HostBudget {
    #[serde(default)]
    pub memory_bytes: Option<u64>,
    #[serde(default)]
    pub swap_bytes: Option<u64>,
    /// CPU quota in cores; `None`: no quota.
    #[serde(default)]
    pub cpus: Option<f64>,
    /// The host's own link, bits/s; `None`: it shared this machine's network.
    #[serde(default)]
    pub bandwidth_bits_per_s: Option<u64>,
}

impl HostBudget {
    /// The budget recorded in a run's `environment`; `None` when the target
    /// was not emulated.
    pub fn recorded(environment: &serde_json::Value) -> Option<HostBudget> {
        let value = environment.get("target_budget")?;
        if value.is_null() {
            return None;
        }
        serde_json::from_value(value.clone()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_budget_reads_back_and_no_budget_is_none() {
        let environment = serde_json::json!({
            "target_budget": {
                "name": "h1", "memory_bytes": 2147483648u64, "swap_bytes": 1610612736u64,
                "cpus": 2.0, "os_reserve_bytes": 0, "ssh": false,
                "bandwidth_bits_per_s": 100000000u64
            }
        });
        let budget = HostBudget::recorded(&environment).expect("a budget");
        assert_eq!(budget.memory_bytes, Some(2 << 30));
        assert_eq!(budget.bandwidth_bits_per_s, Some(100_000_000));
        assert_eq!(budget.cpus, Some(2.0));
        let none = serde_json::json!({ "target_budget": null });
        assert_eq!(HostBudget::recorded(&none), None);
        assert_eq!(HostBudget::recorded(&serde_json::json!({})), None);
    }
}

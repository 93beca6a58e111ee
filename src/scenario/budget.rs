//! An emulated host's budget (`[target] emulate = { memory, swap, cpus,
//! os_reserve, network = { bandwidth } }`),
//! checked while parsing for what no machine can give; whether this machine
//! can give it is `preflight`'s question.

use super::bandwidth::Bandwidth;
use bytesize::ByteSize;
use serde::{Deserialize, Serialize};

/// The least memory a host's engine starts in.
const MIN_MEMORY_BYTES: u64 = 64 * 1024 * 1024;
/// The most cores a CPU quota may name.
const MAX_CPUS: f64 = 1024.0;

/// `emulate = { memory = "2GiB", swap = "1536MiB", cpus = 4, os_reserve = "512MiB" }`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "EmulateRaw", into = "EmulateRaw")]
pub struct EmulateFile {
    /// RAM budget of the host (daemon, shims and containers together).
    pub memory: ByteSize,
    /// Swap the host may use on top of `memory`.
    pub swap: ByteSize,
    /// CPU quota in cores; default: no quota.
    pub cpus: Option<f64>,
    /// Memory a guest OS would hold (kernel, userland, page cache), held
    /// inside `memory` by a process that keeps touching it; default none.
    pub os_reserve: ByteSize,
    /// The host's own network (a namespace behind a shaped link); default:
    /// none, the host shares this machine's.
    pub network: Option<NetworkFile>,
}

/// `network = { bandwidth = "100mbit" }`: the link between this machine and the host.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkFile {
    /// Shaped on both ends of the link (tc units: kbit, mbit, gbit).
    pub bandwidth: Bandwidth,
}

/// The table as written; sizes are written back exactly (`1536MiB`, not `1.5 GiB`).
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct EmulateRaw {
    #[serde(serialize_with = "exact_size")]
    memory: ByteSize,
    #[serde(default, serialize_with = "exact_size")]
    swap: ByteSize,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpus: Option<f64>,
    #[serde(default, serialize_with = "exact_size")]
    os_reserve: ByteSize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    network: Option<NetworkFile>,
}

impl TryFrom<EmulateRaw> for EmulateFile {
    type Error = String;

    fn try_from(raw: EmulateRaw) -> Result<Self, String> {
        check_budget(
            raw.memory.as_u64(),
            raw.swap.as_u64(),
            raw.cpus,
            &BudgetFields::under(""),
        )?;
        Ok(EmulateFile {
            memory: raw.memory,
            swap: raw.swap,
            cpus: raw.cpus,
            os_reserve: raw.os_reserve,
            network: raw.network,
        })
    }
}

impl From<EmulateFile> for EmulateRaw {
    fn from(value: EmulateFile) -> EmulateRaw {
        EmulateRaw {
            memory: value.memory,
            swap: value.swap,
            cpus: value.cpus,
            os_reserve: value.os_reserve,
            network: value.network,
        }
    }
}

/// A size in the largest binary unit that divides it, so it reads back exactly.
fn exact_size<S: serde::Serializer>(size: &ByteSize, serializer: S) -> Result<S::Ok, S::Error> {
    let bytes = size.as_u64();
    let text = [
        (1u64 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ]
    .iter()
    .find(|(unit, _)| bytes > 0 && bytes.is_multiple_of(*unit))
    .map_or_else(
        || bytes.to_string(),
        |(unit, name)| format!("{}{name}", bytes / unit),
    );
    serializer.serialize_str(&text)
}

/// What the user calls each field of a budget (scenario keys, or `host up` flags).
pub struct BudgetFields {
    pub memory: String,
    pub swap: String,
    pub cpus: String,
    pub os_reserve: String,
    pub bandwidth: String,
}

impl BudgetFields {
    /// The keys of a budget under `prefix` (`targets.a.emulate`); with no
    /// prefix, the names within the `emulate` table, which the parser's
    /// errors already locate (`field targets.emulate: memory: ...`).
    pub fn under(prefix: &str) -> BudgetFields {
        let key = |field: &str| {
            if prefix.is_empty() {
                field.to_string()
            } else {
                format!("{prefix}.{field}")
            }
        };
        BudgetFields {
            memory: key("memory"),
            swap: key("swap"),
            cpus: key("cpus"),
            os_reserve: key("os_reserve"),
            bandwidth: key("network.bandwidth"),
        }
    }
}

/// Refuses budgets no machine can give: too little memory for an engine, a
/// memory + swap sum past 8 EiB, a CPU quota that is not a number of cores.
pub fn check_budget(
    memory_bytes: u64,
    swap_bytes: u64,
    cpus: Option<f64>,
    fields: &BudgetFields,
) -> Result<(), String> {
    if memory_bytes < MIN_MEMORY_BYTES {
        return Err(format!(
            "{}: must be at least 64MiB (the engine itself needs it), got '{}'",
            fields.memory,
            ByteSize(memory_bytes)
        ));
    }
    // The kernel's limits are signed 64-bit numbers; a size that saturated
    // while parsing ("99999999999EiB") lands here too.
    let total = memory_bytes.checked_add(swap_bytes);
    if total.is_none_or(|total| total > i64::MAX as u64) {
        return Err(format!(
            "{} + {}: '{}' + '{}' is more than any machine has",
            fields.memory,
            fields.swap,
            ByteSize(memory_bytes),
            ByteSize(swap_bytes)
        ));
    }
    match cpus {
        Some(cpus) if !(cpus > 0.0 && cpus <= MAX_CPUS) => Err(format!(
            "{}: must be above 0 and at most {MAX_CPUS}, got {cpus}",
            fields.cpus
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<EmulateFile, String> {
        toml::from_str::<toml::Table>(&format!("e = {text}"))
            .map_err(|e| e.to_string())?
            .remove("e")
            .ok_or("no value".to_string())?
            .try_into()
            .map_err(|e: toml::de::Error| e.message().to_string())
    }

    #[test]
    fn impossible_budgets_are_refused_while_parsing() {
        let cases = [
            ("{ memory = \"0\" }", "at least 64MiB"),
            ("{ memory = \"1GiB\", cpus = nan }", "got NaN"),
            ("{ memory = \"1GiB\", cpus = inf }", "got inf"),
            ("{ memory = \"1GiB\", cpus = -1.0 }", "above 0"),
            (
                "{ memory = \"16EiB\", swap = \"16EiB\" }",
                "more than any machine",
            ),
            (
                "{ memory = \"1GiB\", disk = \"1GiB\" }",
                "unknown field `disk`",
            ),
        ];
        for (text, expected) in cases {
            let e = parse(text).expect_err(text);
            assert!(e.contains(expected), "{text}: {e}");
        }
        let ok = parse("{ memory = \"2GiB\", swap = \"1536MiB\", cpus = 4 }").expect("valid");
        assert_eq!(ok.swap.as_u64(), 1536 << 20);
        assert_eq!(ok.network, None);
    }

    #[test]
    fn a_network_is_a_bandwidth_and_nothing_else() {
        let ok =
            parse("{ memory = \"1GiB\", network = { bandwidth = \"20mbit\" } }").expect("valid");
        let network = ok.network.expect("a network");
        assert_eq!(network.bandwidth.bits_per_s(), 20_000_000);
        let text = toml::to_string(&ok).expect("serializes");
        assert!(text.contains("bandwidth = \"20mbit\""), "{text}");
        for (text, expected) in [
            (
                "{ memory = \"1GiB\", network = { bandwidth = \"20mbps\" } }",
                "bytes per second",
            ),
            (
                "{ memory = \"1GiB\", network = { bandwidth = \"20\" } }",
                "kbit, mbit or gbit",
            ),
            (
                "{ memory = \"1GiB\", network = { delay = \"5ms\" } }",
                "unknown field `delay`",
            ),
            (
                "{ memory = \"1GiB\", network = { bandwidth = 20 } }",
                "invalid type",
            ),
        ] {
            let e = parse(text).expect_err(text);
            assert!(e.contains(expected), "{text}: {e}");
        }
    }

    #[test]
    fn sizes_are_written_back_exactly() {
        let budget = parse("{ memory = \"1536MiB\", swap = 1000001 }").expect("valid");
        let text = toml::to_string(&budget).expect("serializes");
        assert!(text.contains("memory = \"1536MiB\""), "{text}");
        assert!(text.contains("swap = \"1000001\""), "{text}");
        assert!(!text.contains("cpus"), "{text}");
        let again: EmulateFile = toml::from_str(&text).expect("reads back");
        assert_eq!(again, budget);
    }
}

//! Whether a host's link is up, as this machine's end of it sees it: a
//! failed transfer names the link and its state, so a link that went down
//! is told apart from an engine that failed.

use super::HostNetwork;

/// The link of `net` in words, e.g. "the link to host 'h1' (mbvh1, 20mbit) is down".
pub fn describe(net: &HostNetwork, host: &str) -> String {
    let read = |file: &str| {
        std::fs::read_to_string(format!("/sys/class/net/{}/{file}", net.root_link))
            .map(|s| s.trim().to_string())
    };
    let state = match (read("operstate"), read("carrier")) {
        (Ok(operstate), Ok(carrier)) if operstate == "up" && carrier == "1" => "up".to_string(),
        (Ok(operstate), carrier) => format!(
            "down (operstate {operstate}, {})",
            match carrier.as_deref() {
                Ok("1") => "carrier",
                _ => "no carrier",
            }
        ),
        (Err(e), _) => format!("unknown ({e})"),
    };
    format!(
        "the link to host '{host}' ({}, {}) is {state}",
        net.root_link,
        crate::scenario::format_bits_per_s(net.bandwidth_bits_per_s)
    )
}

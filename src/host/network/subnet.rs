//! Which subnet a host's link gets: one /24 of the private range migbench
//! owns, [`RANGE`], that no address or route of this machine's namespace
//! overlaps. Pure functions over prefixes, plus the one read of the
//! machine's addresses and routes (`ip -j`).

use super::super::HostError;
use std::net::Ipv4Addr;

/// The range migbench takes host subnets from (one /24 per host).
pub const RANGE: Prefix = Prefix {
    network: u32::from_be_bytes([10, 253, 0, 0]),
    len: 16,
};
/// Each host's subnet: the machine's end is `.1`, the host's `.2`.
pub const SUBNET_LEN: u8 = 24;

/// An IPv4 prefix (`10.253.7.0/24`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    pub network: u32,
    pub len: u8,
}

impl Prefix {
    /// `address/len` with the host bits cleared.
    pub fn new(address: Ipv4Addr, len: u8) -> Prefix {
        let len = len.min(32);
        Prefix {
            network: u32::from(address) & mask(len),
            len,
        }
    }

    /// Parses `10.1.0.0/16`, or a bare address as a /32.
    pub fn parse(text: &str) -> Option<Prefix> {
        let (address, len) = match text.split_once('/') {
            Some((address, len)) => (address, len.parse().ok()?),
            None => (text, 32),
        };
        Some(Prefix::new(address.parse().ok()?, len))
    }

    /// Whether the two share any address (one contains the other).
    pub fn overlaps(self, other: Prefix) -> bool {
        let shorter = self.len.min(other.len);
        (self.network ^ other.network) & mask(shorter) == 0
    }

    /// The `n`th address of the prefix.
    pub fn address(self, n: u32) -> Ipv4Addr {
        Ipv4Addr::from(self.network | (n & !mask(self.len)))
    }
}

impl std::fmt::Display for Prefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.network), self.len)
    }
}

fn mask(len: u8) -> u32 {
    match len {
        0 => 0,
        len => u32::MAX << (32 - u32::from(len.min(32))),
    }
}

/// The first /24 of [`RANGE`] that overlaps nothing `taken`, starting at a
/// place derived from `name` (so hosts brought up at once, by two runs, start
/// their search apart) and going round; `.0` and `.255` are never used.
pub fn choose(name: &str, taken: &[Prefix]) -> Option<Prefix> {
    let subnets = 1u32 << (SUBNET_LEN - RANGE.len);
    let start = name
        .bytes()
        .fold(17u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    (0..subnets)
        .map(|i| (start.wrapping_add(i)) % subnets)
        .filter(|&n| n != 0 && n != subnets - 1)
        .map(|n| Prefix {
            network: RANGE.network | (n << (32 - SUBNET_LEN)),
            len: SUBNET_LEN,
        })
        .find(|candidate| !taken.iter().any(|t| t.overlaps(*candidate)))
}

/// Every IPv4 address (with its prefix) and route of this machine's
/// namespace, the default route left out (it overlaps everything and
/// routes nothing of a directly attached subnet).
pub fn taken_here() -> Result<Vec<Prefix>, HostError> {
    let mut taken = Vec::new();
    let addresses = ip_json(&["-4", "-j", "addr", "show"])?;
    for link in addresses.as_array().into_iter().flatten() {
        for info in link["addr_info"].as_array().into_iter().flatten() {
            let address = info["local"].as_str().and_then(|a| a.parse().ok());
            let len = info["prefixlen"]
                .as_u64()
                .and_then(|l| u8::try_from(l).ok());
            if let (Some(address), Some(len)) = (address, len) {
                taken.push(Prefix::new(address, len));
            }
        }
    }
    let routes = ip_json(&["-4", "-j", "route", "show", "table", "all"])?;
    taken.extend(
        routes
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|route| route["dst"].as_str())
            .filter(|dst| *dst != "default")
            .filter_map(Prefix::parse),
    );
    Ok(taken)
}

fn ip_json(args: &[&str]) -> Result<serde_json::Value, HostError> {
    let command = format!("ip {}", args.join(" "));
    let output = std::process::Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| HostError::Command {
            command: command.clone(),
            detail: e.to_string(),
        })?;
    if !output.status.success() {
        return Err(HostError::Command {
            command,
            detail: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    serde_json::from_slice(&output.stdout).map_err(|e| HostError::Command {
        command,
        detail: format!("unexpected output: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Prefix {
        Prefix::parse(text).expect(text)
    }

    #[test]
    fn prefixes_overlap_when_one_contains_the_other() {
        assert!(p("10.0.0.0/8").overlaps(p("10.253.4.0/24")));
        assert!(p("10.253.4.0/24").overlaps(p("10.0.0.0/8")));
        assert!(p("10.253.4.7").overlaps(p("10.253.4.0/24")));
        assert!(!p("10.253.5.0/24").overlaps(p("10.253.4.0/24")));
        assert!(!p("172.17.0.0/16").overlaps(RANGE));
        assert_eq!(p("10.253.4.9/24").to_string(), "10.253.4.0/24");
        assert_eq!(p("10.253.4.0/24").address(2).to_string(), "10.253.4.2");
    }

    #[test]
    fn a_free_subnet_is_chosen_inside_the_range() {
        let chosen = choose("h1", &[p("192.0.2.0/24"), p("172.17.0.0/16")]).expect("free");
        assert!(RANGE.overlaps(chosen) && chosen.len == 24, "{chosen}");
        let octet = (chosen.network >> 8) & 0xff;
        assert!(octet != 0 && octet != 255, "{chosen}");
        // The same name starts at the same place.
        assert_eq!(choose("h1", &[]), Some(chosen));
    }

    #[test]
    fn a_taken_subnet_is_passed_over() {
        let first = choose("h1", &[]).expect("free");
        // Another host's link holds it (its address), or a route covers it.
        for taken in [
            Prefix::new(first.address(1), 24),
            Prefix::new(first.address(0), 20),
        ] {
            let next = choose("h1", &[taken]).expect("another one");
            assert!(!next.overlaps(taken), "{next} overlaps {taken}");
        }
    }

    #[test]
    fn no_subnet_when_the_range_is_taken() {
        assert_eq!(choose("h1", &[p("10.0.0.0/8")]), None);
        assert_eq!(choose("h1", &[p("10.253.0.0/16")]), None);
    }
}

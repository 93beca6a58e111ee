//! A link's bandwidth, written as `tc` writes rates (`100mbit`): parsed and
//! bounded once, for the scenario (`target.emulate.network.bandwidth`) and
//! for `host up --bandwidth`.

use serde::{Deserialize, Serialize};

/// The slowest link a host may have: below it the engine's own API calls
/// (image shipping, inspects) crawl and the run measures them, not migration.
pub const MIN_BITS_PER_S: u64 = 1_000_000;
/// The fastest: `tbf` on a veth pair shapes up to a few Gbit/s on one core;
/// past 10 Gbit/s the link is the machine's memory bus, not a shaped link.
pub const MAX_BITS_PER_S: u64 = 10_000_000_000;

/// tc's decimal rate units, largest first (tc: 1 kbit = 1000 bit/s).
const UNITS: [(&str, u64); 4] = [
    ("gbit", 1_000_000_000),
    ("mbit", 1_000_000),
    ("kbit", 1_000),
    ("bit", 1),
];

/// A bandwidth in bits per second, within [`MIN_BITS_PER_S`]..=[`MAX_BITS_PER_S`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Bandwidth {
    bits_per_s: u64,
}

impl Bandwidth {
    /// The rate, bits per second.
    pub fn bits_per_s(self) -> u64 {
        self.bits_per_s
    }

    /// A bandwidth of exactly `bits_per_s`, checked against the bounds.
    pub fn from_bits_per_s(bits_per_s: u64) -> Result<Bandwidth, String> {
        if (MIN_BITS_PER_S..=MAX_BITS_PER_S).contains(&bits_per_s) {
            Ok(Bandwidth { bits_per_s })
        } else {
            Err(format!(
                "{} is outside the bounds of an emulated link: from {} to {}",
                format_bits_per_s(bits_per_s),
                format_bits_per_s(MIN_BITS_PER_S),
                format_bits_per_s(MAX_BITS_PER_S)
            ))
        }
    }
}

impl std::str::FromStr for Bandwidth {
    type Err = String;

    fn from_str(text: &str) -> Result<Bandwidth, String> {
        let bits = parse_bits_per_s(text)?;
        Bandwidth::from_bits_per_s(bits).map_err(|e| format!("{}: {e}", crate::quote::quote(text)))
    }
}

impl TryFrom<String> for Bandwidth {
    type Error = String;

    fn try_from(text: String) -> Result<Bandwidth, String> {
        text.parse()
    }
}

impl From<Bandwidth> for String {
    fn from(value: Bandwidth) -> String {
        format_bits_per_s(value.bits_per_s)
    }
}

impl std::fmt::Display for Bandwidth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_bits_per_s(self.bits_per_s))
    }
}

/// A rate in the largest tc unit that divides it (`100mbit`, `1500kbit`),
/// so it reads back exactly.
pub fn format_bits_per_s(bits_per_s: u64) -> String {
    let (name, unit) = UNITS
        .iter()
        .find(|(_, unit)| bits_per_s > 0 && bits_per_s.is_multiple_of(*unit))
        .copied()
        .unwrap_or(("bit", 1));
    format!("{}{name}", bits_per_s / unit)
}

/// `100mbit`, `2.5gbit`, `800kbit` (case does not matter, as in tc) to bits per second.
fn parse_bits_per_s(text: &str) -> Result<u64, String> {
    let shown = crate::quote::quote(text);
    let lower = text.trim().to_ascii_lowercase();
    let split = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(split);
    let unit = unit.trim();
    if unit.ends_with("bps") {
        // tc reads `mbps` as megabytes per second: refused rather than guessed.
        return Err(format!(
            "{shown}: tc's 'bps' units are bytes per second, which a link is not \
             written in here: use kbit, mbit or gbit (100 MB/s = \"800mbit\")"
        ));
    }
    let Some((_, unit_bits)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        return Err(format!(
            "{shown} is not a rate: write a number and one of tc's units kbit, mbit or \
             gbit, e.g. \"100mbit\""
        ));
    };
    let value: f64 = number
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && *v > 0.0)
        .ok_or_else(|| format!("{shown}: '{number}' is not a positive number"))?;
    let bits = value * *unit_bits as f64;
    if bits > MAX_BITS_PER_S as f64 * 10.0 {
        // Far past the bound: reported as such, without an overflowing cast.
        return Ok(u64::MAX);
    }
    Ok(bits.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(text: &str) -> Result<u64, String> {
        text.parse::<Bandwidth>().map(Bandwidth::bits_per_s)
    }

    #[test]
    fn tc_units_are_decimal_and_case_blind() {
        assert_eq!(bits("100mbit"), Ok(100_000_000));
        assert_eq!(bits("1gbit"), Ok(1_000_000_000));
        assert_eq!(bits("2.5Gbit"), Ok(2_500_000_000));
        assert_eq!(bits("1500kbit"), Ok(1_500_000));
        assert_eq!(bits(" 20mbit "), Ok(20_000_000));
        assert_eq!(bits("1000000bit"), Ok(1_000_000));
    }

    #[test]
    fn what_is_not_a_rate_says_how_to_write_one() {
        for (text, expected) in [
            ("100", "one of tc's units kbit, mbit or gbit"),
            ("fast", "not a rate"),
            ("100mbps", "bytes per second"),
            ("12MBps", "800mbit"),
            ("-5mbit", "not a rate"),
            ("0mbit", "not a positive number"),
            ("1.2.3mbit", "not a positive number"),
            ("mbit", "not a positive number"),
        ] {
            let e = bits(text).expect_err(text);
            assert!(e.contains(expected), "{text}: {e}");
        }
    }

    #[test]
    fn rates_outside_the_bounds_are_refused_with_them() {
        let e = bits("999kbit").expect_err("too slow");
        assert!(e.contains("from 1mbit to 10gbit"), "{e}");
        let e = bits("11gbit").expect_err("too fast");
        assert!(e.contains("'11gbit'"), "{e}");
        assert!(bits("1e30gbit").is_err());
        assert_eq!(bits("1mbit"), Ok(MIN_BITS_PER_S));
        assert_eq!(bits("10gbit"), Ok(MAX_BITS_PER_S));
    }

    #[test]
    fn a_rate_is_written_back_exactly() {
        for text in ["100mbit", "1gbit", "1500kbit", "2500mbit", "1000001bit"] {
            let rate: Bandwidth = text.parse().expect(text);
            assert_eq!(rate.to_string(), text);
        }
    }
}

//! Numbers that are range-checked while the TOML is parsed, so that an
//! out-of-range value is reported with its line, column and allowed range.

use serde::{Deserialize, Serialize};

/// An integer in `MIN..=MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u64")]
pub struct Ranged<const MIN: u64, const MAX: u64>(u64);

impl<const MIN: u64, const MAX: u64> Ranged<MIN, MAX> {
    /// The value; `const` so defaults can be written as constants.
    pub const fn new_const(value: u64) -> Self {
        assert!(value >= MIN && value <= MAX);
        Ranged(value)
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl<const MIN: u64, const MAX: u64> TryFrom<i64> for Ranged<MIN, MAX> {
    type Error = String;

    fn try_from(value: i64) -> Result<Self, String> {
        match u64::try_from(value) {
            Ok(v) if (MIN..=MAX).contains(&v) => Ok(Ranged(v)),
            _ => Err(format!(
                "must be a whole number from {MIN} to {MAX}, got {value}"
            )),
        }
    }
}

impl<const MIN: u64, const MAX: u64> From<Ranged<MIN, MAX>> for u64 {
    fn from(value: Ranged<MIN, MAX>) -> u64 {
        value.0
    }
}

/// A percentage in `0..=100`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Percent(f64);

impl Percent {
    pub const fn new_const(value: f64) -> Self {
        Percent(value)
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Percent {
    type Error = String;

    fn try_from(value: f64) -> Result<Self, String> {
        if (0.0..=100.0).contains(&value) {
            Ok(Percent(value))
        } else {
            Err(format!("must be a percentage from 0 to 100, got {value}"))
        }
    }
}

impl From<Percent> for f64 {
    fn from(value: Percent) -> f64 {
        value.0
    }
}

/// A multiplier greater than 1 (and at most 1000).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Factor(f64);

impl Factor {
    pub const fn new_const(value: f64) -> Self {
        Factor(value)
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Factor {
    type Error = String;

    fn try_from(value: f64) -> Result<Self, String> {
        if value > 1.0 && value <= 1000.0 {
            Ok(Factor(value))
        } else {
            Err(format!(
                "must be a factor above 1 and at most 1000, got {value}"
            ))
        }
    }
}

impl From<Factor> for f64 {
    fn from(value: Factor) -> f64 {
        value.0
    }
}

/// A rate above 0 (and at most a million), e.g. migrations per second.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Rate(f64);

impl Rate {
    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Rate {
    type Error = String;

    fn try_from(value: f64) -> Result<Self, String> {
        if value > 0.0 && value <= 1_000_000.0 {
            Ok(Rate(value))
        } else {
            Err(format!(
                "must be a rate above 0 and at most 1000000, got {value}"
            ))
        }
    }
}

impl From<Rate> for f64 {
    fn from(value: Rate) -> f64 {
        value.0
    }
}

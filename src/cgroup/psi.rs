//! Pressure stall information, as the kernel writes it in `/proc/pressure/*`
//! (the root cgroup's) and in a v2 cgroup's `*.pressure` files (its own).

/// One PSI resource.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Psi {
    pub some_avg10: f64,
    pub full_avg10: f64,
    pub full_total_us: u64,
}

impl Psi {
    /// Parses the `some ...` / `full ...` lines; what it cannot read is zero.
    pub fn parse(text: &str) -> Psi {
        let mut psi = Psi::default();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            let kind = words.next();
            for word in words {
                match (kind, word.split_once('=')) {
                    (Some("some"), Some(("avg10", v))) => psi.some_avg10 = v.parse().unwrap_or(0.0),
                    (Some("full"), Some(("avg10", v))) => psi.full_avg10 = v.parse().unwrap_or(0.0),
                    (Some("full"), Some(("total", v))) => {
                        psi.full_total_us = v.parse().unwrap_or(0)
                    }
                    _ => {}
                }
            }
        }
        psi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_psi() {
        let psi = Psi::parse(
            "some avg10=1.50 avg60=0.00 avg300=0.00 total=10\nfull avg10=0.75 avg60=0.00 avg300=0.00 total=1234\n",
        );
        assert_eq!(psi.some_avg10, 1.5);
        assert_eq!(psi.full_avg10, 0.75);
        assert_eq!(psi.full_total_us, 1234);
    }

    #[test]
    fn unknown_psi_text_reads_as_zero() {
        assert_eq!(Psi::parse("nonsense"), Psi::default());
    }
}

//! `migbench check`: a scenario as a run would take it (every default filled
//! in, the overrides applied), its sweep points, and each point's pre-flight
//! verdict against this machine, without contacting any engine (k6's
//! `inspect`). Exits 0 when every point would run, 2 otherwise.

use super::exit_code::{exit, AppError};
use std::path::Path;

/// Prints the effective scenario of every point and its pre-flight verdict.
pub fn check(path: &Path, overrides: &[String]) -> Result<u8, AppError> {
    let points = crate::scenario::load_grid(path, overrides)
        .map_err(|e| AppError::new(exit::BAD_INPUT, e))?;
    let total = points.len();
    let mut refused = Vec::new();
    for (i, point) in points.iter().enumerate() {
        if total > 1 {
            println!("# ---- sweep point {} of {total}: {}", i + 1, point.name);
        }
        print!("{}", point.source_text);
        match crate::preflight::check_scenario(path, point) {
            Ok(()) => println!("# pre-flight: ok (this machine can give what it asks)"),
            Err(e) => {
                println!("# pre-flight: refused: {e}");
                refused.push(format!("{}: {e}", point.name));
            }
        }
    }
    if total > 1 {
        println!("# {total} sweep points, {} refused", refused.len());
    }
    match refused.first() {
        None => Ok(exit::SUCCESS),
        Some(first) => Err(AppError::new(
            exit::BAD_INPUT,
            anyhow::anyhow!(
                "{} of {total} point(s) refused at pre-flight, first: {first}",
                refused.len()
            ),
        )),
    }
}

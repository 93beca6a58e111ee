//! Projection: from the first restores, the memory each restored container
//! costs the target, and the count at which its budget runs out.

use crate::record::SampleRow;
use serde::{Deserialize, Serialize};

/// Where the budget is projected to run out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// Restores the fit used (1..=this many restored).
    pub fitted_restores: u64,
    /// Memory (+ swap) each restored container adds, bytes.
    pub bytes_per_container: f64,
    /// Memory (+ swap) charged before the first restore, bytes.
    pub baseline_bytes: f64,
    /// RAM + swap budget, bytes.
    pub budget_bytes: u64,
    /// Restored containers at which the budget is used up.
    pub projected_count: Option<u64>,
}

/// Fits memory+swap use against the restored count over the samples taken
/// while at most `fit_restores` containers were restored (least squares), and
/// projects the count at which `budget_bytes` is reached. `None` until the
/// fit has at least two distinct counts.
pub fn project(samples: &[SampleRow], fit_restores: u64, budget_bytes: u64) -> Option<Projection> {
    let points: Vec<(f64, f64)> = samples
        .iter()
        .filter(|s| s.migrated <= fit_restores)
        .filter_map(|s| {
            let used = s.target_memsw_bytes.or(s.target_memory_bytes)?;
            Some((s.migrated as f64, used as f64))
        })
        .collect();
    let fitted_restores = points.iter().map(|p| p.0 as u64).max()?;
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let var_x: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    if var_x == 0.0 {
        return None;
    }
    let cov: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let slope = cov / var_x;
    let intercept = mean_y - slope * mean_x;
    let projected_count =
        (slope > 0.0).then(|| ((budget_bytes as f64 - intercept) / slope).max(0.0).floor() as u64);
    Some(Projection {
        fitted_restores,
        bytes_per_container: slope,
        baseline_bytes: intercept,
        budget_bytes,
        projected_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(migrated: u64, memsw: u64) -> SampleRow {
        SampleRow {
            migrated,
            target_memsw_bytes: Some(memsw),
            ..Default::default()
        }
    }

    #[test]
    fn linear_growth_projects_the_budget_crossing() {
        let mib = 1u64 << 20;
        // 100 MiB baseline, 20 MiB per container, budget 1 GiB -> (1024-100)/20 = 46.
        let samples: Vec<_> = (0..=20)
            .map(|m| sample(m, 100 * mib + m * 20 * mib))
            .collect();
        let p = project(&samples, 20, 1024 * mib).expect("a projection");
        assert_eq!(p.projected_count, Some(46));
        assert!((p.bytes_per_container - 20.0 * mib as f64).abs() < 1.0);
        assert_eq!(p.fitted_restores, 20);
    }

    #[test]
    fn samples_past_the_fit_window_are_ignored() {
        let mib = 1u64 << 20;
        let mut samples: Vec<_> = (0..=20).map(|m| sample(m, m * 10 * mib)).collect();
        samples.push(sample(30, 5000 * mib));
        let p = project(&samples, 20, 1000 * mib).expect("a projection");
        assert_eq!(p.projected_count, Some(100));
    }

    #[test]
    fn no_projection_without_two_distinct_counts() {
        assert_eq!(project(&[sample(0, 1), sample(0, 2)], 20, 100), None);
        assert_eq!(project(&[], 20, 100), None);
    }
}

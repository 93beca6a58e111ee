//! Long series thinned to about one point per pixel column.

/// At most this many points per line: about one per pixel column.
const MAX_POINTS: usize = 1000;

/// Averages consecutive points into at most [`MAX_POINTS`] buckets, so 10 000
/// samples stay a readable line instead of a solid band.
pub fn downsample(points: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    let points: Vec<(f64, f64)> = points.collect();
    let per_bucket = points.len().div_ceil(MAX_POINTS).max(1);
    points
        .chunks(per_bucket)
        .map(|bucket| {
            let n = bucket.len() as f64;
            let (t, v) = bucket
                .iter()
                .fold((0.0, 0.0), |(t, v), p| (t + p.0, v + p.1));
            (t / n, v / n)
        })
        .collect()
}

//! `[target] metrics`: the URL of the target machine's Prometheus node
//! exporter, checked while the TOML is parsed (like [`super::checked`]), and
//! what the sampler is handed once the scenario is validated.

use crate::quote::quote;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Longest URL accepted: a few hundred characters is already no typo.
const MAX_URL_CHARS: usize = 512;
/// Scrapes no more often than this unless `metrics_interval_ms` asks: a
/// scrape runs every collector of the exporter, tens of milliseconds of CPU
/// on the target.
const MIN_DEFAULT_INTERVAL: Duration = Duration::from_secs(1);

/// A node exporter's `http://HOST[:PORT]/PATH` (plain HTTP only: the scraper
/// speaks no TLS).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct MetricsUrl(String);

impl TryFrom<String> for MetricsUrl {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        check_metrics_url(&value)?;
        Ok(MetricsUrl(value))
    }
}

impl From<MetricsUrl> for String {
    fn from(value: MetricsUrl) -> String {
        value.0
    }
}

/// Parses a metrics URL: `http://`, a host, at most [`MAX_URL_CHARS`]
/// characters and no control characters; the error quotes the value in part.
pub fn check_metrics_url(value: &str) -> Result<http::Uri, String> {
    if value.chars().count() > MAX_URL_CHARS || value.chars().any(char::is_control) {
        return Err(format!(
            "must be at most {MAX_URL_CHARS} characters, none of them control characters, got {}",
            quote(value)
        ));
    }
    let plain_http = || {
        format!(
            "must be a plain http:// URL of a node exporter, like \
             'http://10.0.0.2:9100/metrics', got {}",
            quote(value)
        )
    };
    let uri: http::Uri = value.parse().map_err(|_| plain_http())?;
    let has_host = uri.host().is_some_and(|h| !h.is_empty());
    if uri.scheme_str() != Some("http") || !has_host {
        return Err(plain_http());
    }
    Ok(uri)
}

/// Where the target's metrics come from and how often they are scraped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsSource {
    pub url: String,
    pub interval: Duration,
}

impl MetricsSource {
    pub fn new(url: MetricsUrl, interval_ms: u64) -> Self {
        MetricsSource {
            url: url.0,
            interval: Duration::from_millis(interval_ms),
        }
    }
}

/// The scrape interval when none is given: the sampler's, but at least
/// [`MIN_DEFAULT_INTERVAL`].
pub fn default_interval_ms(sample_interval_ms: u64) -> u64 {
    sample_interval_ms.max(MIN_DEFAULT_INTERVAL.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_urls_with_a_host_pass() {
        for good in [
            "http://127.0.0.1:9100/metrics",
            "http://target.example:9100/metrics",
            "http://[::1]:9100/metrics",
            "http://10.0.0.2/metrics",
        ] {
            assert!(check_metrics_url(good).is_ok(), "{good}");
        }
        for (bad, expected) in [
            ("https://10.0.0.2:9100/metrics", "plain http://"),
            ("10.0.0.2:9100/metrics", "plain http://"),
            ("unix:///run/exporter.sock", "plain http://"),
            ("http://", "plain http://"),
            ("http:///metrics", "plain http://"),
            ("http://a b/metrics", "plain http://"),
            ("http://h:9100/m\n", "control characters"),
        ] {
            let e = check_metrics_url(bad).expect_err(bad);
            assert!(e.contains(expected), "{bad}: {e}");
        }
    }

    #[test]
    fn a_huge_url_is_quoted_in_part() {
        let huge = format!("http://h/{}", "x".repeat(100_000));
        let e = MetricsUrl::try_from(huge).expect_err("too long");
        assert!(e.len() < 300 && e.contains("at most 512"), "{e}");
        let e = MetricsUrl::try_from(format!("ftp://{}", "y".repeat(10_000))).expect_err("scheme");
        assert!(e.len() < 300, "{e}");
    }

    #[test]
    fn the_interval_defaults_to_the_sampler_cadence_but_not_below_a_second() {
        assert_eq!(default_interval_ms(200), 1000);
        assert_eq!(default_interval_ms(5000), 5000);
    }
}

//! A remote target's Prometheus node exporter (`[target] metrics`): its
//! memory, swap, CPU and pressure, for a target whose cgroup is not ours to
//! read. Scraped on a task and cadence of its own, so a slow or dead
//! exporter never holds up the sampler's tick: the sampler reads the latest
//! scrape ([`Latest`]) and records how old it is and whether the last
//! attempt failed.
//!
//! The text exposition format is fetched with hyper (plain HTTP/1.1, one
//! connection per scrape) and parsed by `prometheus-parse` ([`Reading`]).

mod node_reading;

pub use node_reading::{History, Reading, TargetValues, PSI_WINDOW};

use crate::quote::quote;
use crate::record::SampleRow;
use crate::scenario::{check_metrics_url, MetricsSource};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::rt::TokioIo;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// How long one scrape may take: an exporter on a loaded target answers
/// late rather than not at all, and the values carry their age anyway.
pub const SCRAPE_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest answer read: node exporter's is 50 to 500 KB, more with many CPUs
/// or disks.
const MAX_ANSWER_BYTES: usize = 16 << 20;

/// Why a scrape failed, naming the URL and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ScrapeError {
    #[error("metrics URL {problem}")]
    Url { problem: String },
    #[error(
        "cannot connect to the node exporter at {}: {source}; start \
         `prometheus-node-exporter --web.listen-address=ADDR:PORT` on the target, reachable \
         from this machine",
        quote(.url)
    )]
    Connect { url: String, source: std::io::Error },
    #[error("the node exporter at {} broke off: {detail}", quote(.url))]
    Http { url: String, detail: String },
    #[error("the node exporter at {} answered HTTP {status}: check the URL's path (usually /metrics)", quote(.url))]
    Status { url: String, status: u16 },
    #[error("the node exporter at {} did not answer within {} s", quote(.url), SCRAPE_TIMEOUT.as_secs())]
    Timeout { url: String },
    #[error(
        "{} answered, but without node_memory_*, node_cpu_seconds_total or node_pressure_*: \
         is it a Prometheus node exporter (1.5 or later, with its meminfo, cpu and pressure \
         collectors)?",
        quote(.url)
    )]
    NotNodeExporter { url: String },
}

/// Scrapes `url` once.
pub async fn scrape(url: &str) -> Result<Reading, ScrapeError> {
    let text = tokio::time::timeout(SCRAPE_TIMEOUT, fetch(url))
        .await
        .map_err(|_| ScrapeError::Timeout { url: url.into() })??;
    let reading = Reading::parse(&text);
    if reading.is_empty() {
        return Err(ScrapeError::NotNodeExporter { url: url.into() });
    }
    Ok(reading)
}

/// GET `url` over one HTTP/1.1 connection; the answer as text.
async fn fetch(url: &str) -> Result<String, ScrapeError> {
    let uri = check_metrics_url(url).map_err(|problem| ScrapeError::Url { problem })?;
    let http = |detail: String| ScrapeError::Http {
        url: url.into(),
        detail,
    };
    // Checked: an http:// URL has a host.
    let host = uri.host().unwrap_or_default();
    let authority = uri.authority().map_or(host, |a| a.as_str());
    let port = uri.port_u16().unwrap_or(80);
    let address = host.trim_start_matches('[').trim_end_matches(']');
    let stream = tokio::net::TcpStream::connect((address, port))
        .await
        .map_err(|source| ScrapeError::Connect {
            url: url.into(),
            source,
        })?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| http(e.to_string()))?;
    let request = http::Request::get(uri.path_and_query().map_or("/", |p| p.as_str()))
        .header(http::header::HOST, authority)
        .header(http::header::ACCEPT, "text/plain")
        // One request per connection: the exporter closes it after answering.
        .header(http::header::CONNECTION, "close")
        .body(Empty::<Bytes>::new())
        .map_err(|e| http(e.to_string()))?;
    // Owns the sender: once it is done, the connection has nothing left to do.
    let exchange = async move {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| http(e.to_string()))?;
        if !response.status().is_success() {
            return Err(ScrapeError::Status {
                url: url.into(),
                status: response.status().as_u16(),
            });
        }
        let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|e| http(format!("reading the answer: {e}")))?
            .to_bytes();
        String::from_utf8(body.to_vec()).map_err(|_| http("the answer is not UTF-8 text".into()))
    };
    // The connection is driven here, beside the exchange, and dropped with
    // it on a timeout; its own error, if any, reached the exchange.
    let (answer, _) = tokio::join!(exchange, connection);
    answer
}

/// The latest scrape, as the sampler reads it.
#[derive(Debug, Clone, Default)]
pub struct Latest {
    /// The last successful scrape's values and when they were received.
    pub values: Option<(Instant, TargetValues)>,
    /// The most recent attempt failed.
    pub failed: bool,
}

/// Values older than this are stale: an exporter that answers late still
/// answers within a scrape's timeout and a couple of intervals.
pub fn stale_after(interval: Duration) -> Duration {
    SCRAPE_TIMEOUT + interval * 2
}

impl Latest {
    /// Fills the target columns of `row`, sampled at `now`; values older
    /// than `stale_after` are left out and the row marked stale.
    pub fn fill(&self, row: &mut SampleRow, now: Instant, stale_after: Duration) {
        row.target_scrape_failed = Some(self.failed);
        let Some((at, values)) = &self.values else {
            row.target_stale = Some(self.failed);
            return;
        };
        let age = now.saturating_duration_since(*at);
        row.target_scrape_age_ms = Some(crate::event::round_us(age.as_secs_f64() * 1000.0));
        row.target_stale = Some(age > stale_after);
        if age > stale_after {
            return;
        }
        row.target_memory_bytes = values.memory_used_bytes;
        row.target_swap_bytes = values.swap_used_bytes;
        row.target_memsw_bytes = values
            .memory_used_bytes
            .zip(values.swap_used_bytes)
            .map(|(memory, swap)| memory.saturating_add(swap));
        row.target_cpu_ns = values.cpu_busy_ns;
        row.target_memory_total_bytes = values.memory_total_bytes;
        row.target_swap_total_bytes = values.swap_total_bytes;
        let percent = |share: Option<f64>| share.map(|p| (p * 100.0).round() / 100.0);
        row.target_cpu_pct = percent(values.cpu_pct);
        row.target_psi_cpu_some_pct = percent(values.psi_cpu_some_pct);
        row.target_psi_memory_some_pct = percent(values.psi_memory_some_pct);
        row.target_psi_memory_full_pct = percent(values.psi_memory_full_pct);
        row.target_psi_io_some_pct = percent(values.psi_io_some_pct);
        row.target_psi_io_full_pct = percent(values.psi_io_full_pct);
    }
}

/// Scrapes `source` every `source.interval` on a task of its own until
/// `stop`; the receiver always holds the latest scrape.
pub fn spawn(source: &MetricsSource, stop: CancellationToken) -> watch::Receiver<Latest> {
    let (latest, receiver) = watch::channel(Latest::default());
    tokio::spawn(scrape_loop(source.clone(), latest, stop));
    receiver
}

async fn scrape_loop(
    source: MetricsSource,
    latest: watch::Sender<Latest>,
    stop: CancellationToken,
) {
    let mut history = History::default();
    let mut ticks = tokio::time::interval(source.interval);
    // After a slow scrape, go on from now instead of firing a burst.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        let scraped = tokio::select! {
            () = stop.cancelled() => return,
            scraped = async {
                ticks.tick().await;
                scrape(&source.url).await
            } => scraped,
        };
        match scraped {
            Ok(reading) => {
                let at = Instant::now();
                let values = history.push(at, reading);
                latest.send_modify(|l| {
                    l.values = Some((at, values));
                    l.failed = false;
                });
                if failing {
                    tracing::info!("the target's node exporter {} answers again", source.url);
                }
                failing = false;
            }
            Err(e) => {
                // Once per outage, not once per scrape.
                if !failing {
                    tracing::warn!("scraping the target's metrics: {e}");
                }
                failing = true;
                latest.send_modify(|l| l.failed = true);
            }
        }
    }
}

#[cfg(test)]
#[path = "node_exporter/node_exporter_tests.rs"]
mod tests;

//! A target that is not emulated, measured through its Prometheus node
//! exporter (`[target] metrics`): the test starts `prometheus-node-exporter`
//! on loopback and runs a small scenario whose target is the local Docker
//! engine reached at another endpoint (`unix:///run/docker.sock`, where the
//! source is `unix:///var/run/docker.sock`), which the runner treats as
//! another engine (image shipped, checkpoints transferred). The exporter
//! scrapes this very machine, so its values must agree with the machine's.

mod common;

use common::{run_dir, run_scenario, scenario, summary};
use migbench::record::{Outcome, Phase, SampleRow};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The exporter this test started; killed (through its own handle) when dropped.
struct Exporter {
    child: Child,
    url: String,
}

impl Exporter {
    /// Starts one on a free loopback port with only the collectors read, and
    /// waits until it accepts connections.
    fn start() -> Exporter {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let address = format!("127.0.0.1:{port}");
        let child = Command::new("prometheus-node-exporter")
            .arg(format!("--web.listen-address={address}"))
            .args([
                "--collector.disable-defaults",
                "--collector.meminfo",
                "--collector.cpu",
                "--collector.pressure",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus-node-exporter starts (scripts/provision.sh installs it)");
        let exporter = Exporter {
            child,
            url: format!("http://{address}/metrics"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(&address).is_err() {
            assert!(Instant::now() < deadline, "the exporter never listened");
            std::thread::sleep(Duration::from_millis(50));
        }
        exporter
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn samples(run_dir: &Path) -> Vec<SampleRow> {
    csv::Reader::from_path(run_dir.join("samples.csv"))
        .expect("samples.csv")
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("samples.csv rows")
}

/// `MemTotal` of /proc/meminfo, bytes.
fn mem_total_bytes() -> u64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").expect("/proc/meminfo");
    let kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("MemTotal");
    kib * 1024
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[test]
fn a_remote_target_is_measured_through_its_node_exporter() {
    let _engine = common::engine_lock();
    let exporter = Exporter::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "remote-metrics",
        &format!(
            r#"name = "remote-metrics"
containers = 2
warmup_s = 1
[target]
endpoint = "unix:///run/docker.sock"
metrics = "{}"
metrics_interval_ms = 250
[sampler]
interval_ms = 100
"#,
            exporter.url
        ),
    );
    let results = dir.path().join("results");
    let output = run_scenario(&file, &results);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    drop(exporter);
    let run = run_dir(&results);

    // Another engine as far as the runner knows: the image was shipped and
    // the checkpoints transferred, and both containers continued.
    let rows = common::ops(&run);
    assert!(rows.iter().any(|r| r.phase == Phase::Image), "{rows:#?}");
    assert_eq!(
        rows.iter().filter(|r| r.phase == Phase::Transfer).count(),
        2
    );
    assert_eq!(common::verified(&rows), 2, "{rows:#?}");
    assert!(rows.iter().all(|r| r.outcome == Outcome::Ok), "{rows:#?}");

    let samples = samples(&run);
    assert!(samples.len() >= 10, "{} samples", samples.len());
    assert!(
        samples
            .iter()
            .all(|s| s.target_scrape_failed == Some(false)),
        "a scrape of a loopback exporter failed"
    );
    let scraped: Vec<&SampleRow> = samples
        .iter()
        .filter(|s| s.target_scrape_age_ms.is_some())
        .collect();
    // The run checked the exporter before it started; the sampler's own
    // scraper may still be on its first scrape at the first tick.
    assert!(scraped.len() + 2 >= samples.len(), "{samples:#?}");
    let total = mem_total_bytes();
    for s in &scraped {
        assert_eq!(s.target_memory_total_bytes, Some(total), "{s:#?}");
        let used = s.target_memory_bytes.expect("memory used");
        assert!(used > 0 && used < total, "{s:#?}");
        let swap_total = s.target_swap_total_bytes.expect("swap total");
        assert!(
            s.target_swap_bytes.expect("swap used") <= swap_total,
            "{s:#?}"
        );
        for pct in [
            s.target_cpu_pct,
            s.target_psi_memory_full_pct,
            s.target_psi_cpu_some_pct,
        ]
        .into_iter()
        .flatten()
        {
            assert!((0.0..=100.0).contains(&pct), "{s:#?}");
        }
    }
    // The same machine, read by the sampler and by the exporter: swap totals
    // agree (a swap file switched on mid-run may differ for a while) and the
    // memory in use agrees within what other processes change in a moment.
    assert!(
        scraped
            .iter()
            .any(|s| s.target_swap_total_bytes == Some(s.swap_total_bytes)),
        "{scraped:#?}"
    );
    let gap_mib = median(
        scraped
            .iter()
            .map(|s| {
                s.target_memory_bytes
                    .unwrap_or(0)
                    .abs_diff(s.mem_used_bytes) as f64
                    / 1048576.0
            })
            .collect(),
    );
    assert!(gap_mib < 512.0, "median gap {gap_mib:.0} MiB");
    // Rates need two scrapes: most rows have them.
    let with_rates = scraped
        .iter()
        .filter(|s| s.target_cpu_pct.is_some() && s.target_psi_memory_full_pct.is_some())
        .count();
    assert!(
        with_rates * 2 >= scraped.len(),
        "{with_rates} of {}",
        scraped.len()
    );
    // Scraped every 250 ms: the values a row takes are fresh.
    let age_ms = median(
        scraped
            .iter()
            .filter_map(|s| s.target_scrape_age_ms)
            .collect(),
    );
    assert!(age_ms < 1000.0, "median scrape age {age_ms} ms");

    // The environment names where the target's resources came from.
    let url_of = |environment: &serde_json::Value| environment["target_metrics"].clone();
    let environment: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(run.join("environment.json")).expect("environment.json"),
    )
    .expect("environment.json is JSON");
    let url = url_of(&environment);
    assert!(
        url.as_str()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:")),
        "{environment}"
    );
    assert_eq!(url_of(&summary(&run)["environment"]), url);
    common::assert_nothing_left_behind();
}

#[test]
fn an_exporter_that_stops_answering_leaves_stale_rows_unjudged_and_the_run_says_so() {
    let _engine = common::engine_lock();
    let exporter = Exporter::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "stale-metrics",
        &format!(
            r#"name = "stale-metrics"
containers = 3
warmup_s = 1
[restore]
pause_ms = 6000
[target]
endpoint = "unix:///run/docker.sock"
metrics = "{}"
metrics_interval_ms = 250
[sampler]
interval_ms = 100
"#,
            exporter.url
        ),
    );
    let results = dir.path().join("results");
    let child = common::spawn_run(&file, &results);
    let run = common::wait_for_rows(&results, "restore", 1);
    // The exporter hangs: it takes connections and answers none (the test's own child).
    let pid = exporter.child.id() as i32;
    // SAFETY: kill(2) on the exporter this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGSTOP) }, 0);
    std::thread::sleep(Duration::from_secs(9));
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGCONT) }, 0);
    let output = common::finish(child);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    drop(exporter);
    let samples = samples(&run);
    let stale: Vec<&SampleRow> = samples
        .iter()
        .filter(|s| s.target_stale == Some(true))
        .collect();
    assert!(stale.len() >= 10, "{} stale samples", stale.len());
    for s in &stale {
        // Nothing the rules could judge the target on.
        assert_eq!(s.target_memory_bytes, None, "{s:#?}");
        assert_eq!(s.target_swap_bytes, None, "{s:#?}");
        assert_eq!(s.target_psi_memory_full_pct, None, "{s:#?}");
        assert!(s.target_scrape_age_ms.expect("age") > 5000.0, "{s:#?}");
    }
    let last_stale_ms = stale.last().expect("stale").t_ms;
    assert!(
        samples
            .iter()
            .any(|s| s.t_ms > last_stale_ms && s.target_memory_bytes.is_some()),
        "fresh values once it answered again"
    );
    let summary = common::summary(&run);
    let notes = summary["data_notes"].to_string();
    assert!(notes.contains("node exporter stopped answering"), "{notes}");
    assert!(
        stdout.contains("node exporter stopped answering"),
        "{stdout}"
    );
    assert_eq!(common::verified(&common::ops(&run)), 3);
}

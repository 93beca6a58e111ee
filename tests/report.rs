//! `migbench report` and `migbench compare` on committed fixture runs: no
//! engine needed, the CSVs are the only input.

mod common;

use common::migbench;
use std::path::Path;

/// A fresh copy of a fixture run (report writes into the run directory).
fn assert_charts(run: &Path) {
    for stem in [
        "timeline",
        "latency_per_container",
        "latency_cdf",
        "downtime",
    ] {
        let svg =
            std::fs::read_to_string(run.join(format!("charts/{stem}.svg"))).expect("svg written");
        let mut reader = quick_xml::Reader::from_str(&svg);
        let mut elements = 0;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Start(_) | quick_xml::events::Event::Empty(_)) => {
                    elements += 1
                }
                Ok(_) => {}
                Err(e) => panic!("{stem}.svg is not XML: {e}"),
            }
        }
        assert!(
            elements > 50,
            "{stem}.svg draws something ({elements} elements)"
        );
        let file =
            std::fs::File::open(run.join(format!("charts/{stem}.png"))).expect("png written");
        let mut decoder = png::Decoder::new(std::io::BufReader::new(file))
            .read_info()
            .expect("png decodes");
        let info = decoder.info();
        assert_eq!((info.width, info.height), (1400, 800), "{stem}.png size");
        let mut buffer = vec![0; decoder.output_buffer_size().expect("buffer size")];
        decoder.next_frame(&mut buffer).expect("png frame decodes");
        assert!(buffer.iter().any(|b| *b != 255), "{stem}.png is not blank");
    }
}

fn restore_p50_ms(run: &Path) -> f64 {
    let rows: Vec<migbench::record::OpRecord> = migbench::record::read_rows(&run.join("ops.csv"))
        .expect("ops")
        .rows;
    let mut restores: Vec<f64> = rows
        .iter()
        .filter(|r| r.phase == migbench::record::Phase::Restore && r.outcome.is_ok())
        .map(|r| r.latency_ms)
        .collect();
    restores.sort_by(f64::total_cmp);
    restores[(restores.len() - 1) / 2]
}

#[test]
fn report_rebuilds_summary_charts_and_markdown() {
    let (_tmp, run) = common::fixture_run("complete");
    // No summary.json of the run's own: it did not finish, whatever its rows say.
    migbench()
        .arg("report")
        .arg(&run)
        .assert()
        .code(6)
        .stdout(predicates::str::contains(
            "verification: 10 continued, 0 lost",
        ))
        .stdout(predicates::str::contains("verdict: incomplete"));
    let summary = common::summary(&run);
    let restore = common::phase_summary(&summary, "restore");
    let p50 = restore["latency"]["p50_ms"].as_f64().expect("p50");
    let expected = restore_p50_ms(&run);
    assert!(
        (p50 - expected).abs() <= expected * 0.002,
        "p50 {p50} vs ops.csv {expected}"
    );
    assert_eq!(
        summary["phases"].as_array().expect("phases").len(),
        6,
        "image..verify"
    );
    assert_charts(&run);
    let md = std::fs::read_to_string(run.join("report.md")).expect("report.md");
    assert!(
        md.contains(&format!("{p50:.1}")),
        "report.md has the restore p50 {p50:.1}"
    );
    assert!(md.contains("![") && md.contains("charts/timeline.png"));
    assert!(
        md.contains("```toml") && md.contains("name = \"lab-10\""),
        "the exact scenario"
    );
    assert!(
        md.contains("CRIU") && md.contains("4.1.1"),
        "the environment"
    );
    assert!(
        md.contains("the run did not finish"),
        "no summary.json in the fixture: said so"
    );
}

#[test]
fn report_tolerates_and_reports_a_truncated_run() {
    let (_tmp, run) = common::fixture_run("truncated");
    let output = migbench().arg("report").arg(&run).output().expect("runs");
    assert_eq!(
        output.status.code(),
        Some(6),
        "incomplete: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("ops.csv: line 42 was cut short"),
        "{stdout}"
    );
    assert!(
        stdout.contains("samples.csv: line 39 was cut short"),
        "{stdout}"
    );
    assert!(
        stdout.contains("0 continued"),
        "verify rows were lost with the kill: {stdout}"
    );
    let summary = std::fs::read_to_string(run.join("summary.json")).expect("summary");
    assert!(summary.contains("cut short"));
    assert_charts(&run);
    let md = std::fs::read_to_string(run.join("report.md")).expect("report.md");
    assert!(md.contains("ops.csv: line 42 was cut short"));
}

#[test]
fn report_skips_and_reports_damaged_rows_in_the_middle() {
    // ops.csv line 20: a failed append left a fragment, and the retry wrote
    // the whole row after it; samples.csv line 10: zeros a power loss left.
    let (_tmp, run) = common::fixture_run("torn");
    let output = migbench().arg("report").arg(&run).output().expect("runs");
    assert_eq!(
        output.status.code(),
        Some(6),
        "incomplete: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("ops.csv: line 20 could not be read and was left out")
            && stdout.contains("samples.csv: line 10 could not be read and was left out"),
        "{stdout}"
    );
    let summary = common::summary(&run);
    let checkpoint = common::phase_summary(&summary, "checkpoint");
    assert_eq!(
        checkpoint["count"], 9,
        "the torn row is left out, its neighbours read"
    );
    assert_eq!(summary["samples"], 37, "38 sample rows, one garbled");
    let notes = summary["data_notes"].as_array().expect("notes");
    assert_eq!(notes.len(), 2, "{notes:?}");
    let md = std::fs::read_to_string(run.join("report.md")).expect("report.md");
    assert!(md.contains("ops.csv: line 20 could not be read"));
    assert_charts(&run);
}

#[test]
fn report_replays_the_collapse_of_a_run() {
    let (_tmp, run) = common::fixture_run("collapsed");
    migbench()
        .arg("report")
        .arg(&run)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "collapse at restore 16: memory pressure",
        ))
        .stdout(predicates::str::contains("restore latency knee"));
    let md = std::fs::read_to_string(run.join("report.md")).expect("report.md");
    assert!(md.contains("collapse at restore 16"));
}

#[test]
fn report_replays_the_rows_in_the_order_the_run_recorded_them() {
    // Written by the recorder and the live summary code (runner/recorder_tests.rs):
    // the tick stamped at 1990 ms reached the recorder after the restore that
    // timed out at 2000 ms, so the live detector saw the timeout first.
    let (_tmp, run) = common::fixture_run("reordered");
    let live = common::summary(&run);
    let output = migbench().arg("report").arg(&run).output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(4),
        "the run's own verdict: {stdout}"
    );
    assert!(
        stdout.contains("collapse at restore 3: restore timed out"),
        "{stdout}"
    );
    assert!(stdout.contains("verdict: failures"), "{stdout}");
    let rebuilt = common::summary(&run);
    for key in [
        "collapse",
        "failures_before_collapse",
        "verdict",
        "data_notes",
    ] {
        assert_eq!(rebuilt[key], live[key], "{key}");
    }
    assert_eq!(rebuilt["verdict"], "failures");
}

#[test]
fn report_on_a_directory_that_is_not_a_run_is_an_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    migbench()
        .arg("report")
        .arg(tmp.path())
        .assert()
        .failure()
        .stderr(predicates::str::contains("is not a migbench run directory"));
}

#[test]
fn compare_tabulates_runs() {
    let (_a, complete) = common::fixture_run("complete");
    let (_b, collapsed) = common::fixture_run("collapsed");
    let out = tempfile::tempdir().expect("tempdir");
    let output = migbench()
        .arg("compare")
        .arg(&complete)
        .arg(&collapsed)
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let md = std::fs::read_to_string(out.path().join("compare.md")).expect("compare.md");
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| lab-10") || l.starts_with("| collapse"))
        .collect();
    assert_eq!(rows.len(), 2, "{md}");
    let cells = |row: &str| {
        row.split('|')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let complete_row = cells(rows[0]);
    // Runs recorded before modes existed were batch runs.
    assert_eq!(complete_row[1], "batch", "mode");
    assert_eq!(complete_row[2], "10", "containers");
    assert_eq!(
        (complete_row[3].as_str(), complete_row[4].as_str()),
        ("1", "1"),
        "concurrency"
    );
    assert_eq!(
        complete_row[7],
        format!("{:.0}", restore_p50_ms(&complete)),
        "restore p50"
    );
    assert_eq!(complete_row[14], "10/10", "verified");
    assert_eq!(complete_row[15], "none", "no collapse");
    let collapsed_row = cells(rows[1]);
    assert_eq!(collapsed_row[2], "40");
    assert_eq!(collapsed_row[14], "16/40");
    assert!(collapsed_row[15].starts_with("16 ("), "{collapsed_row:?}");
    assert!(out.path().join("charts/compare.png").exists());
}

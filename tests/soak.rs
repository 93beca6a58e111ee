//! A short soak on the real engine: the batch goes to an emulated Docker
//! host, back, and there again, every counter continuing across rounds,
//! rounds.csv measuring the machine after each round, and nothing kept that
//! does not run.

mod common;

use common::{ops, run_dir, scenario, summary};
use migbench::record::{read_rows, OpRecord, Outcome, Phase, RoundRow};

fn verify_row(rows: &[OpRecord], round: u32, index: usize) -> &OpRecord {
    rows.iter()
        .find(|r| r.phase == Phase::Verify && r.round == round && r.index == index)
        .unwrap_or_else(|| panic!("no verify row for container {index} in round {round}"))
}

#[test]
fn three_rounds_back_and_forth_continue_every_counter_and_keep_only_what_runs() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let containers = 5;
    let file = scenario(
        dir.path(),
        "soak",
        &format!(
            "name = \"soak\"\ncontainers = {containers}\nwarmup_s = 1\nrounds = 3\n\
             mode = \"pipeline\"\nconcurrency = 2\n\
             [workload]\nmemory_mib = 1\nlog_interval_ms = 200\n\
             [target]\nemulate = {{ memory = \"512MiB\", swap = \"128MiB\" }}\n"
        ),
    );
    let results = dir.path().join("results");
    let output = common::run_scenario(&file, &results);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run = run_dir(&results);
    let rows = ops(&run);
    for round in 1..=3u32 {
        let here: Vec<_> = rows.iter().filter(|r| r.round == round).collect();
        let (source, target) = (&here[0].source_host, &here[0].target_host);
        // Odd rounds go to the emulated host, even ones come back.
        assert_eq!(
            target.starts_with("emulated:"),
            round % 2 == 1,
            "round {round}: {source} -> {target}"
        );
        for index in 0..containers {
            let verify = verify_row(&rows, round, index);
            assert_eq!(verify.outcome, Outcome::Ok, "{verify:?}");
            let (before, after) = (verify.seq_before.expect("before"), verify.seq_after);
            assert_eq!(after, Some(before + 1), "{verify:?}");
            if round > 1 {
                // Each round starts from where the last one's clone had got to.
                let earlier = verify_row(&rows, round - 1, index);
                assert!(
                    before > earlier.seq_after.expect("after"),
                    "round {round} continued container {index} from its clone: {verify:?}"
                );
            }
        }
    }
    let rounds: Vec<RoundRow> = read_rows(&run.join("rounds.csv")).expect("rounds.csv").rows;
    assert_eq!(rounds.len(), 3, "{rounds:?}");
    for (number, round) in rounds.iter().enumerate() {
        assert_eq!(round.round, number as u32 + 1);
        assert_eq!(round.verified, containers, "{round:?}");
        // The stopped containers migrated from were removed: only the clones remain.
        assert_eq!(
            round.source_containers + round.target_containers,
            containers,
            "{round:?}"
        );
        assert_eq!(round.checkpoint_bytes, 0, "checkpoints retired: {round:?}");
        assert!(round.harness_rss_bytes > 1 << 20 && round.harness_open_fds > 3);
        assert!(round.source_store_bytes > 0 && round.target_store_bytes > 0);
    }
    assert_eq!(
        rounds[1].source_containers, containers,
        "back on the source"
    );
    assert_eq!(
        rounds[2].target_containers, containers,
        "on the target again"
    );
    let summary = summary(&run);
    assert_eq!(summary["verification"]["continued"], 3 * containers);
    assert_eq!(summary["rounds"].as_array().map(Vec::len), Some(3));
    assert!(
        stdout.contains("soak: 3 rounds, continued per round: 5 in every round"),
        "{stdout}"
    );
    let report = std::fs::read_to_string(run.join("report.md")).expect("report.md");
    assert!(report.contains("## Soak"), "{report}");
    common::assert_nothing_left_behind();
}

#[test]
fn a_soak_over_ssh_transfers_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "soakssh",
        "name = \"soakssh\"\ncontainers = 1\nrounds = 2\n[transfer]\nmode = \"ssh\"\n\
         [target]\nemulate = { memory = \"512MiB\" }\n",
    );
    let output = common::migbench()
        .args(["check"])
        .arg(&file)
        .output()
        .expect("migbench");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("rounds = 2") && stderr.contains("transfer.mode"),
        "{stderr}"
    );
}

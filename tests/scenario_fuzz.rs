//! Property tests: the scenario parser never panics, whatever it is given,
//! and every rejection names the file.

use migbench::scenario::Scenario;
use proptest::prelude::*;
use std::path::Path;

const KEYS: &[&str] = &[
    "name",
    "containers",
    "warmup_s",
    "timeout_s",
    "checkpoint.concurrency",
    "checkpoint.pause_ms",
    "restore.concurrency",
    "restore.pause_ms",
    "workload.memory_mib",
    "workload.log_interval_ms",
    "source.endpoint",
    "target.endpoint",
    "target.emulate",
    "transfer.mode",
    "transfer.checkpoint_dir",
    "sampler.interval_ms",
    "collapse.knee_factor",
    "collapse.knee_baseline",
    "guard.policy",
    "bogus",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| format!("{v:?}")),
        "[a-z/:._-]{0,12}".prop_map(|s| format!("\"{s}\"")),
        Just("true".to_string()),
        Just("{ memory = \"1GiB\", swap = \"x\", cpus = -1 }".to_string()),
        Just("[1, 2]".to_string()),
        "\\PC{0,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let result = Scenario::parse(Path::new("fuzz.toml"), &text, &[]);
        if let Err(e) = result {
            prop_assert!(e.to_string().contains("fuzz.toml"));
        }
    }

    #[test]
    fn arbitrary_assignments_never_panic(
        pairs in proptest::collection::vec((proptest::sample::select(KEYS), value()), 0..8),
        overrides in proptest::collection::vec("[a-z._]{0,20}=\\PC{0,12}", 0..3),
    ) {
        let mut text = String::new();
        for (key, value) in &pairs {
            text.push_str(&format!("{key} = {value}\n"));
        }
        let result = Scenario::parse(Path::new("fuzz.toml"), &text, &overrides);
        if let Err(e) = result {
            prop_assert!(e.to_string().contains("fuzz.toml"));
        }
    }
}

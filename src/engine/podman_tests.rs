use super::wire;
use crate::engine::ContainerSpec;
use std::collections::HashMap;

#[test]
fn a_multiplexed_log_reads_as_its_lines() {
    let mut stream = Vec::new();
    for line in ["seq=1 unix_ms=10\n", "seq=2 unix_ms=20\n"] {
        stream.extend_from_slice(&[1, 0, 0, 0]);
        stream.extend_from_slice(&(line.len() as u32).to_be_bytes());
        stream.extend_from_slice(line.as_bytes());
    }
    assert_eq!(
        wire::demultiplex(&stream),
        "seq=1 unix_ms=10\nseq=2 unix_ms=20\n"
    );
    assert_eq!(wire::demultiplex(b"plain\n"), "plain\n");
}

#[test]
fn containers_get_rlimits_within_the_machine_s_hard_limits() {
    let spec = ContainerSpec {
        name: "mb-x-0000".into(),
        image: "migbench-workload:1".into(),
        cmd: vec!["/workload".into()],
        labels: HashMap::from([("io.migbench.run".into(), "x".into())]),
    };
    let body = wire::create_body(&spec, Some("migbench-h1"));
    assert_eq!(body["netns"]["nsmode"], "none");
    assert_eq!(body["cgroup_parent"], "/migbench-h1");
    let hard = rustix::process::getrlimit(rustix::process::Resource::Nofile).maximum;
    let nofile = body["r_limits"][0]["hard"].as_u64().expect("a number");
    assert!(nofile <= hard.unwrap_or(u64::MAX) && nofile > 0);
    assert!(wire::create_body(&spec, None)
        .get("cgroup_parent")
        .is_none());
}

#[test]
fn a_restore_report_gives_criu_s_and_the_runtime_s_times() {
    let answer = br#"{"Id":"38b4","RawInput":"","runtime_restore_duration":281722,"criu_statistics":{"forking_time":2,"restore_time":149316,"pages_restored":2070}}"#;
    let report: wire::RestoreReport = serde_json::from_slice(answer).expect("parses");
    let stats = report.stats();
    assert_eq!(report.id, "38b4");
    assert_eq!(stats.runtime_ms, Some(281.722));
    assert_eq!(stats.restore_ms, Some(149.318));
    assert_eq!(stats.pages_restored, Some(2070));
    assert_eq!(stats.criu_ms(), Some(149.318));
}

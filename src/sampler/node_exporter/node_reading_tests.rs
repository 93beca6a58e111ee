use super::*;

/// What node exporter 1.5.0 answered on this kind of machine (trimmed).
const EXPOSITION: &str = include_str!("../../../tests/fixtures/node_exporter/metrics-1.5.0.txt");

const GIB: u64 = 1 << 30;

/// A small exposition with the counters given (seconds since boot).
fn exposition(cpu_busy_s: f64, cpu_idle_s: f64, memory_full_s: f64, memory_some_s: f64) -> String {
    format!(
        "# TYPE node_cpu_seconds_total counter\n\
         node_cpu_seconds_total{{cpu=\"0\",mode=\"idle\"}} {cpu_idle_s}\n\
         node_cpu_seconds_total{{cpu=\"0\",mode=\"user\"}} {cpu_busy_s}\n\
         node_memory_MemTotal_bytes 4.294967296e+09\n\
         node_memory_MemAvailable_bytes 1.073741824e+09\n\
         node_pressure_memory_stalled_seconds_total {memory_full_s}\n\
         node_pressure_memory_waiting_seconds_total {memory_some_s}\n"
    )
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

#[test]
fn parses_what_node_exporter_1_5_answers() {
    let r = Reading::parse(EXPOSITION);
    assert_eq!(r.mem_total_bytes, Some(25_276_502_016));
    assert_eq!(r.mem_available_bytes, Some(24_436_273_152));
    assert_eq!(r.swap_total_bytes, Some(GIB));
    assert_eq!(r.swap_free_bytes, Some(768 << 20));
    let cpu = r.cpu.expect("node_cpu_seconds_total");
    // Two CPUs: every mode but idle and iowait is busy.
    assert!((cpu.busy_s - 14_360.17).abs() < 1e-6, "{cpu:?}");
    assert!((cpu.total_s - 20_995.81).abs() < 1e-6, "{cpu:?}");
    assert!(close(r.cpu_some_s, 5040.71337));
    assert!(close(r.memory_some_s, 2272.893693));
    assert!(close(r.memory_full_s, 1296.102945));
    assert!(close(r.io_some_s, 1703.093867));
    assert!(close(r.io_full_s, 139.534091));
    let values = History::default().push(Instant::now(), r);
    assert_eq!(
        values.memory_used_bytes,
        Some(25_276_502_016 - 24_436_273_152)
    );
    assert_eq!(values.swap_used_bytes, Some(256 << 20));
    assert_eq!(values.cpu_busy_ns, Some(14_360_170_000_000));
    // One scrape has no rate yet.
    assert_eq!(values.cpu_pct, None);
    assert_eq!(values.psi_memory_full_pct, None);
}

#[test]
fn missing_families_stay_empty() {
    let r = Reading::parse("node_memory_MemTotal_bytes 1024\nnode_load1 0.5\n");
    assert_eq!(r.mem_total_bytes, Some(1024));
    assert_eq!(r.mem_available_bytes, None);
    assert_eq!(r.cpu, None);
    assert_eq!(r.memory_full_s, None);
    assert!(!r.is_empty());
    let values = History::default().push(Instant::now(), r);
    assert_eq!(values.memory_total_bytes, Some(1024));
    assert_eq!(values.memory_used_bytes, None, "no MemAvailable");
    assert_eq!(values.swap_used_bytes, None);
}

#[test]
fn garbage_is_skipped_and_an_answer_without_families_is_empty() {
    let page = "<html><body><h1>Node Exporter</h1><a href=\"/metrics\">Metrics</a></body></html>\n";
    assert!(Reading::parse(page).is_empty());
    assert!(Reading::parse("").is_empty());
    assert!(Reading::parse("\u{0}\u{1}binary\u{ff}").is_empty());
    let mixed = "node_memory_MemTotal_bytes NaN\n\
                 node_memory_MemAvailable_bytes -5\n\
                 node_memory_SwapTotal_bytes lots\n\
                 node_memory_SwapFree_bytes +Inf\n\
                 node_pressure_memory_stalled_seconds_total 12.5 1700000000000\n\
                 }{ node_pressure_io_stalled_seconds_total 3\n";
    let r = Reading::parse(mixed);
    assert_eq!(r.mem_total_bytes, None, "NaN");
    assert_eq!(r.mem_available_bytes, None, "negative");
    assert_eq!(r.swap_total_bytes, None, "not a number");
    assert_eq!(r.swap_free_bytes, None, "infinite");
    assert_eq!(r.memory_full_s, Some(12.5), "a timestamp is allowed");
    assert_eq!(r.io_full_s, None, "a broken line is no sample");
}

#[test]
fn shares_are_rates_between_scrapes() {
    let t0 = Instant::now();
    let mut history = History::default();
    history.push(t0, Reading::parse(&exposition(100.0, 300.0, 10.0, 20.0)));
    // One second later: 0.5 s busy of 1 s of CPU time, 0.25 s fully stalled.
    let later = t0 + Duration::from_secs(1);
    let v = history.push(
        later,
        Reading::parse(&exposition(100.5, 300.5, 10.25, 20.75)),
    );
    assert!(close(v.cpu_pct, 50.0), "{v:?}");
    assert!(close(v.psi_memory_full_pct, 25.0), "{v:?}");
    assert!(close(v.psi_memory_some_pct, 75.0), "{v:?}");
    assert_eq!(v.psi_io_full_pct, None, "no io counters");
    assert_eq!(v.memory_used_bytes, Some(3 * GIB));
}

#[test]
fn pressure_is_the_mean_over_the_last_ten_seconds() {
    let t0 = Instant::now();
    let mut history = History::default();
    let mut full_s = 0.0;
    let mut at_s = |second: u64, history: &mut History| {
        // No stall for 5 s, then half of every second stalled.
        if second > 5 {
            full_s += 0.5;
        }
        let reading = Reading::parse(&exposition(1.0, 1.0 + second as f64, full_s, full_s));
        history.push(t0 + Duration::from_secs(second), reading)
    };
    let mut by_second = Vec::new();
    for second in 0..=15 {
        by_second.push(at_s(second, &mut history).psi_memory_full_pct);
    }
    // At 10 s the window holds 5 quiet and 5 half-stalled seconds.
    assert!(close(by_second[10], 25.0), "{by_second:?}");
    // From 15 s on it holds only half-stalled seconds.
    assert!(close(by_second[15], 50.0), "{by_second:?}");
    assert!(close(by_second[3], 0.0), "{by_second:?}");
}

#[test]
fn scrapes_further_apart_than_the_window_use_the_previous_one() {
    let t0 = Instant::now();
    let mut history = History::default();
    history.push(t0, Reading::parse(&exposition(0.0, 0.0, 0.0, 0.0)));
    let later = t0 + Duration::from_secs(30);
    let v = history.push(later, Reading::parse(&exposition(3.0, 27.0, 6.0, 6.0)));
    assert!(close(v.psi_memory_full_pct, 20.0), "{v:?}");
    assert!(close(v.cpu_pct, 10.0), "{v:?}");
}

#[test]
fn a_counter_reset_gives_no_share_then_starts_over() {
    let t0 = Instant::now();
    let at = |s: u64| t0 + Duration::from_secs(s);
    let mut history = History::default();
    history.push(at(0), Reading::parse(&exposition(500.0, 500.0, 50.0, 60.0)));
    history.push(at(1), Reading::parse(&exposition(500.5, 500.5, 50.5, 60.5)));
    // The target rebooted: every counter starts again near zero.
    let v = history.push(at(2), Reading::parse(&exposition(0.2, 0.8, 0.1, 0.1)));
    assert_eq!(v.cpu_pct, None, "{v:?}");
    assert_eq!(v.psi_memory_full_pct, None, "{v:?}");
    assert_eq!(v.memory_used_bytes, Some(3 * GIB), "gauges are still read");
    // The next shares are measured from the first scrape after the reset.
    let v = history.push(at(3), Reading::parse(&exposition(0.45, 1.55, 0.2, 0.4)));
    assert!(close(v.cpu_pct, 25.0), "{v:?}");
    assert!(close(v.psi_memory_full_pct, 10.0), "{v:?}");
    assert!(close(v.psi_memory_some_pct, 30.0), "{v:?}");
}

#[test]
fn shares_never_exceed_one_hundred_percent() {
    let t0 = Instant::now();
    let mut history = History::default();
    history.push(t0, Reading::parse(&exposition(0.0, 0.0, 0.0, 0.0)));
    // Counters a little ahead of the harness's clock (the answer took a while).
    let v = history.push(
        t0 + Duration::from_millis(990),
        Reading::parse(&exposition(1.0, 0.0, 1.0, 1.0)),
    );
    assert!(close(v.psi_memory_full_pct, 100.0), "{v:?}");
    assert!(close(v.cpu_pct, 100.0), "{v:?}");
}

use super::*;

#[test]
fn a_row_takes_the_scrape_its_age_and_whether_the_last_one_failed() {
    let at = Instant::now();
    let mut values = History::default().push(
        at,
        Reading::parse(
            "node_memory_MemTotal_bytes 1000\nnode_memory_MemAvailable_bytes 400\n\
             node_memory_SwapTotal_bytes 100\nnode_memory_SwapFree_bytes 75\n",
        ),
    );
    values.psi_memory_full_pct = Some(12.3456);
    let latest = Latest {
        values: Some((at, values)),
        failed: true,
    };
    let stale_after = Duration::from_secs(2);
    let mut row = SampleRow::default();
    latest.fill(&mut row, at + Duration::from_millis(1500), stale_after);
    assert_eq!(row.target_scrape_age_ms, Some(1500.0));
    assert_eq!(row.target_stale, Some(false));
    assert_eq!(row.target_scrape_failed, Some(true));
    assert_eq!(row.target_memory_bytes, Some(600));
    assert_eq!(row.target_swap_bytes, Some(25));
    assert_eq!(row.target_memsw_bytes, Some(625));
    assert_eq!(row.target_memory_total_bytes, Some(1000));
    assert_eq!(row.target_swap_total_bytes, Some(100));
    assert_eq!(row.target_psi_memory_full_pct, Some(12.35));
    assert_eq!(row.target_cpu_pct, None);

    let mut row = SampleRow::default();
    Latest::default().fill(&mut row, at, stale_after);
    assert_eq!(row.target_scrape_failed, Some(false));
    assert_eq!(row.target_scrape_age_ms, None, "nothing scraped yet");

    // Older than `stale_after`: its age and the failure, and no values to judge.
    let mut row = SampleRow::default();
    latest.fill(&mut row, at + Duration::from_millis(2500), stale_after);
    assert_eq!(row.target_stale, Some(true));
    assert_eq!(row.target_scrape_age_ms, Some(2500.0));
    assert_eq!(row.target_scrape_failed, Some(true));
    assert_eq!(row.target_memory_bytes, None);
    assert_eq!(row.target_swap_bytes, None);
    assert_eq!(row.target_psi_memory_full_pct, None);
}

#[tokio::test]
async fn a_refused_connection_names_the_url_and_the_fix() {
    // A port nothing listens on: bound, then closed again.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/metrics");
    let e = scrape(&url).await.expect_err("nothing listens");
    let text = e.to_string();
    assert!(matches!(e, ScrapeError::Connect { .. }), "{text}");
    assert!(
        text.contains(&url) && text.contains("prometheus-node-exporter"),
        "{text}"
    );
    let e = scrape("https://127.0.0.1:1/metrics")
        .await
        .expect_err("https");
    assert!(e.to_string().contains("plain http://"), "{e}");
}

/// A loopback server that answers every request with `status` and `body`
/// and sends each request's head to the channel; stops with the test.
async fn canned(
    status: &'static str,
    body: String,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let port = listener.local_addr().expect("its address").port();
    let (heads, received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.ends_with(b"\r\n\r\n") {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let _ = heads.send(String::from_utf8_lossy(&head).into_owned());
            let answer = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    (format!("http://127.0.0.1:{port}/metrics"), received)
}

const EXPOSITION: &str = include_str!("../../../tests/fixtures/node_exporter/metrics-1.5.0.txt");

#[tokio::test]
async fn a_scrape_gets_the_path_and_parses_the_answer() {
    let (url, mut heads) = canned("200 OK", EXPOSITION.into()).await;
    let reading = scrape(&url).await.expect("scraped");
    assert_eq!(reading.mem_total_bytes, Some(25_276_502_016));
    let head = heads.recv().await.expect("a request");
    assert!(head.starts_with("GET /metrics HTTP/1.1\r\n"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("host: 127.0.0.1:"),
        "{head}"
    );
}

#[tokio::test]
async fn a_wrong_path_or_another_server_is_named() {
    let (url, _heads) = canned("404 Not Found", "404 page not found\n".into()).await;
    let e = scrape(&url).await.expect_err("404");
    assert!(matches!(e, ScrapeError::Status { status: 404, .. }), "{e}");
    assert!(e.to_string().contains("/metrics"), "{e}");
    let page = "<html><head><title>Node Exporter</title></head></html>\n".to_string();
    let (url, _heads) = canned("200 OK", page).await;
    let e = scrape(&url).await.expect_err("not an exposition");
    assert!(matches!(e, ScrapeError::NotNodeExporter { .. }), "{e}");
}

#[tokio::test]
async fn the_task_publishes_each_scrape_and_marks_a_failing_one() {
    let (url, _heads) = canned("200 OK", EXPOSITION.into()).await;
    let stop = CancellationToken::new();
    let source = MetricsSource {
        url,
        interval: Duration::from_millis(50),
    };
    let mut latest = spawn(&source, stop.clone());
    // Two scrapes: the second has a first rate.
    tokio::time::timeout(Duration::from_secs(10), async {
        let mut scrapes = 0;
        while scrapes < 2 {
            latest.changed().await.expect("the task runs");
            scrapes += usize::from(latest.borrow().values.is_some());
        }
    })
    .await
    .expect("two scrapes within 10 s");
    let (_, values) = latest.borrow().values.expect("values");
    assert_eq!(values.memory_total_bytes, Some(25_276_502_016));
    assert_eq!(
        values.psi_memory_full_pct,
        Some(0.0),
        "the same counters twice"
    );
    assert!(!latest.borrow().failed);
    stop.cancel();
    // The task ends with its token: the channel closes.
    tokio::time::timeout(Duration::from_secs(5), async {
        while latest.changed().await.is_ok() {}
    })
    .await
    .expect("the task stopped");

    let dead = MetricsSource {
        url: "http://127.0.0.1:1/metrics".into(),
        interval: Duration::from_millis(50),
    };
    let stop = CancellationToken::new();
    let mut latest = spawn(&dead, stop.clone());
    tokio::time::timeout(Duration::from_secs(5), latest.changed())
        .await
        .expect("an attempt within 5 s")
        .expect("the task runs");
    assert!(latest.borrow().failed);
    assert!(latest.borrow().values.is_none());
    stop.cancel();
}

//! How engine failures are classified, against real unix sockets that answer
//! the way a broken, hung or dead engine does.

use super::*;
use crate::engine::endpoint::EngineEndpoint;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixListener;

/// A fake engine socket in a temporary directory; each accepted connection
/// reads the request and is handed to `answer` (`None`: never answer).
fn serve(answer: Option<&'static str>) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("engine.sock");
    let listener = UnixListener::bind(&socket).expect("bind");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request).await;
            match answer {
                Some(text) => {
                    let _ = stream.write_all(text.as_bytes()).await;
                    let _ = stream.shutdown().await;
                }
                // Hold the connection open and say nothing: a hung engine.
                None => held.push(stream),
            }
        }
    });
    (dir, format!("unix://{}", socket.display()))
}

async fn info_error(endpoint: &str, api_timeout: Duration) -> EngineError {
    let engine = DockerEngine::connect(EngineEndpoint::direct(endpoint))
        .expect("connect is lazy")
        .with_api_timeout(api_timeout);
    engine
        .info()
        .await
        .expect_err("the fake engine cannot answer info")
}

#[tokio::test]
async fn a_socket_gone_after_connecting_is_unreachable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("engine.sock");
    let listener = UnixListener::bind(&socket).expect("bind");
    let engine = DockerEngine::connect(EngineEndpoint::direct(&format!(
        "unix://{}",
        socket.display()
    )))
    .expect("the socket exists");
    // The engine dies: its socket closes and disappears.
    drop(listener);
    std::fs::remove_file(&socket).expect("remove socket");
    let error = engine.info().await.expect_err("nothing listens");
    assert!(error.is_engine_down(), "{error:?}");
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_unreachable() {
    let (_dir, endpoint) = serve(Some(""));
    let error = info_error(&endpoint, Duration::from_secs(5)).await;
    assert!(error.is_engine_down(), "{error:?}");
}

#[tokio::test]
async fn an_engine_that_never_answers_is_a_timeout_not_unreachable() {
    let (_dir, endpoint) = serve(None);
    let error = info_error(&endpoint, Duration::from_secs(1)).await;
    assert!(error.is_timeout(), "{error:?}");
    assert!(!error.is_engine_down());
    assert!(
        error.to_string().contains("no answer within 1 s"),
        "{error}"
    );
}

#[tokio::test]
async fn an_answer_that_is_not_json_is_an_operation_failure() {
    let (_dir, endpoint) = serve(Some(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\ngarbage",
    ));
    let error = info_error(&endpoint, Duration::from_secs(5)).await;
    assert!(
        matches!(error, EngineError::Operation { .. }),
        "a JSON error is not the engine being down: {error:?}"
    );
    assert!(error.to_string().contains("info"), "{error}");
}

#[tokio::test]
async fn an_error_status_keeps_the_engine_message() {
    let body = "{\"message\":\"boom\"}";
    let answer: &'static str = Box::leak(
        format!(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_boxed_str(),
    );
    let (_dir, endpoint) = serve(Some(answer));
    let error = info_error(&endpoint, Duration::from_secs(5)).await;
    assert!(matches!(error, EngineError::Operation { .. }), "{error:?}");
    assert!(error.to_string().ends_with("info: boom"), "{error}");
}

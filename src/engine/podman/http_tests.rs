//! The libpod client against fake services: classification and streaming.

use super::*;
use crate::engine::endpoint::EngineEndpoint;

#[test]
fn libpod_refusals_keep_its_message() {
    let body = br#"{"cause":"no such container","message":"no container with name or ID \"x\" found: no such container","response":404}"#;
    assert_eq!(
        refusal(StatusCode::NOT_FOUND, body),
        "no container with name or ID \"x\" found: no such container"
    );
    assert_eq!(
        refusal(StatusCode::BAD_GATEWAY, b"<html>nope</html>"),
        "HTTP 502 Bad Gateway: <html>nope</html>"
    );
}

#[test]
fn query_values_are_encoded() {
    assert_eq!(
        encode(r#"{"label":["a=b"]}"#),
        "%7B%22label%22%3A%5B%22a%3Db%22%5D%7D"
    );
}

#[tokio::test]
async fn a_missing_socket_is_unreachable() {
    let client = Client::new(
        &EngineEndpoint::direct("unix:///nonexistent/podman.sock"),
        Duration::from_secs(1),
    )
    .expect("client");
    let call = Call {
        method: Method::GET,
        path: "/_ping".into(),
        what: "ping",
    };
    let e = client
        .send(call, Body::Empty, &[])
        .await
        .expect_err("no service");
    assert!(e.is_engine_down(), "{e}");
}

#[tokio::test]
async fn a_service_that_never_answers_is_a_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("silent.sock");
    let listener = tokio::net::UnixListener::bind(&path).expect("bind");
    let accepted = tokio::spawn(async move { listener.accept().await.map(|(s, _)| s) });
    let client = Client::new(
        &EngineEndpoint::direct(&format!("unix://{}", path.display())),
        Duration::from_millis(300),
    )
    .expect("client");
    let call = Call {
        method: Method::POST,
        path: "/containers/x/checkpoint".into(),
        what: "checkpoint container 'x'",
    };
    let e = client
        .send(call, Body::Empty, &[])
        .await
        .expect_err("silent");
    assert!(e.is_timeout(), "{e}");
    assert!(e.to_string().contains("checkpoint container 'x'"), "{e}");
    drop(accepted);
}

#[tokio::test]
async fn a_service_that_hangs_up_is_unreachable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rude.sock");
    let listener = tokio::net::UnixListener::bind(&path).expect("bind");
    tokio::spawn(async move {
        if let Ok((stream, _)) = listener.accept().await {
            drop(stream);
        }
    });
    let client = Client::new(
        &EngineEndpoint::direct(&format!("unix://{}", path.display())),
        Duration::from_secs(5),
    )
    .expect("client");
    let call = Call {
        method: Method::GET,
        path: "/info".into(),
        what: "info",
    };
    let e = client
        .send(call, Body::Empty, &[])
        .await
        .expect_err("hung up");
    assert!(e.is_engine_down(), "{e}");
}

/// Whether a request has arrived whole: its headers, and a chunked body to
/// its last (empty) chunk.
fn complete(request: &[u8]) -> bool {
    let chunked = request
        .windows(8)
        .any(|w| w.eq_ignore_ascii_case(b"chunked\r"));
    if chunked {
        request.ends_with(b"\r\n0\r\n\r\n")
    } else {
        request.windows(4).any(|w| w == b"\r\n\r\n")
    }
}

/// A one-request HTTP server on a unix socket: reads the request (headers
/// and a chunked body to its end), answers `answer`, returns the body size.
fn one_shot(path: &Path, answer: &'static str) -> tokio::task::JoinHandle<usize> {
    let listener = tokio::net::UnixListener::bind(path).expect("bind");
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut stream, _) = listener.accept().await.expect("accept");
        let mut request = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        // The chunked body ends with a zero-length chunk.
        while !complete(&request) {
            let n = stream.read(&mut buf).await.expect("read");
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buf[..n]);
        }
        stream.write_all(answer.as_bytes()).await.expect("answer");
        request.len()
    })
}

#[tokio::test]
async fn a_file_body_is_streamed_whole_and_an_answer_downloaded_to_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = dir.path().join("c.tar");
    std::fs::write(&archive, vec![7u8; 3 * 1024 * 1024]).expect("archive");
    let socket = dir.path().join("s.sock");
    let server = one_shot(
        &socket,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"Id\":\"x\"}",
    );
    let client = Client::new(
        &EngineEndpoint::direct(&format!("unix://{}", socket.display())),
        Duration::from_secs(10),
    )
    .expect("client");
    let call = Call {
        method: Method::POST,
        path: "/containers/import/restore".into(),
        what: "restore",
    };
    let (_, answer) = client
        .send(call, Body::TarFile(archive), &[])
        .await
        .expect("restored");
    assert_eq!(&answer[..], br#"{"Id":"x"}"#.as_slice());
    assert!(
        server.await.expect("server") > 3 * 1024 * 1024,
        "the whole body was sent"
    );
    let socket = dir.path().join("d.sock");
    let _server = one_shot(&socket, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    let client = Client::new(
        &EngineEndpoint::direct(&format!("unix://{}", socket.display())),
        Duration::from_secs(10),
    )
    .expect("client");
    let call = Call {
        method: Method::POST,
        path: "/containers/c/checkpoint".into(),
        what: "checkpoint",
    };
    let to = dir.path().join("out.tar");
    assert_eq!(client.download(call, &to).await.expect("downloaded"), 5);
    assert_eq!(std::fs::read(&to).expect("file"), b"hello");
}

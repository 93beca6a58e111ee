//! The libpod client against fake services: classification and streaming.

use super::super::archive;
use super::super::metered_upload::UploadMeter;
use super::*;
use crate::engine::endpoint::EngineEndpoint;
use std::path::Path;
use std::sync::Arc;

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

fn client_at(socket: &Path) -> Client {
    Client::new(
        &EngineEndpoint::direct(&format!("unix://{}", socket.display())),
        Duration::from_secs(10),
    )
    .expect("client")
}

fn call(path: &str) -> Call<'static> {
    Call {
        method: Method::POST,
        path: path.into(),
        what: "stream",
    }
}

/// A one-request server that reads the head and `body_len` bytes of body,
/// answers `answer`, and returns the body it read.
fn sized_server(
    path: &Path,
    body_len: usize,
    answer: impl Into<Vec<u8>>,
) -> tokio::task::JoinHandle<Vec<u8>> {
    let answer = answer.into();
    let listener = tokio::net::UnixListener::bind(path).expect("bind");
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut stream, _) = listener.accept().await.expect("accept");
        let mut request = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let head = request.windows(4).position(|w| w == b"\r\n\r\n");
            if head.is_some_and(|h| request.len() >= h + 4 + body_len) {
                break;
            }
            let n = stream.read(&mut buf).await.expect("read");
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buf[..n]);
        }
        stream.write_all(&answer).await.expect("answer");
        let head = request
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a head");
        request.split_off(head + 4)
    })
}

async fn body_of(path: &Path) -> archive::ImportBody {
    archive::import_body(path.to_path_buf(), None)
        .await
        .expect("a body")
}

#[tokio::test]
async fn an_archive_is_uploaded_byte_for_byte_and_measured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = dir.path().join("c.tar");
    let bytes: Vec<u8> = (0..3 * 1024 * 1024 + 123)
        .map(|i| (i % 251) as u8)
        .collect();
    std::fs::write(&archive, &bytes).expect("archive");
    let socket = dir.path().join("s.sock");
    let server = sized_server(
        &socket,
        bytes.len(),
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"Id\":\"x\"}",
    );
    let meter = Arc::new(UploadMeter::default());
    let (_, answer) = client_at(&socket)
        .upload(
            call("/containers/import/restore"),
            body_of(&archive).await,
            meter.clone(),
        )
        .await
        .expect("restored");
    assert_eq!(&answer[..], br#"{"Id":"x"}"#.as_slice());
    assert!(
        server.await.expect("server") == bytes,
        "the engine got the archive's bytes"
    );
    assert_eq!(
        meter.measured().expect("measured").bytes,
        bytes.len() as u64
    );
}

#[tokio::test]
async fn a_refused_upload_keeps_the_engine_s_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = dir.path().join("c.tar");
    std::fs::write(&archive, vec![1u8; 4096]).expect("archive");
    let socket = dir.path().join("s.sock");
    let _server = sized_server(
        &socket,
        4096,
        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 47\r\n\r\n{\"message\":\"unpacking of checkpoint archive x\"}",
    );
    let e = client_at(&socket)
        .upload(
            call("/containers/import/restore"),
            body_of(&archive).await,
            Arc::default(),
        )
        .await
        .expect_err("refused");
    assert!(
        e.to_string().contains("unpacking of checkpoint archive"),
        "{e}"
    );
}

/// A one-request server on a unix socket that reads a request without a
/// body and answers `answer`. (Closing with the request unread would reset
/// the connection.)
fn answering(path: &Path, answer: Vec<u8>) -> tokio::task::JoinHandle<Vec<u8>> {
    sized_server(path, 0, answer)
}

#[tokio::test]
async fn an_answer_is_downloaded_to_a_file_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let archive: Vec<u8> = (0..3 * 1024 * 1024 + 7).map(|i| (i % 253) as u8).collect();
    // libpod's way: 32 KiB chunks; one with an extension, as HTTP allows.
    let mut answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for (n, chunk) in archive.chunks(32 * 1024).enumerate() {
        let extension = if n == 1 { ";x=y" } else { "" };
        answer.extend_from_slice(format!("{:x}{extension}\r\n", chunk.len()).as_bytes());
        answer.extend_from_slice(chunk);
        answer.extend_from_slice(b"\r\n");
    }
    answer.extend_from_slice(b"0\r\n\r\n");
    let sized = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec(),
        b"HTTP/1.1 200 OK\r\n\r\nto the end".to_vec(),
    ];
    for (n, (answer, expected)) in [
        (answer, archive.as_slice()),
        (sized[0].clone(), b"hello".as_slice()),
        (sized[1].clone(), b"to the end".as_slice()),
    ]
    .into_iter()
    .enumerate()
    {
        let socket = dir.path().join(format!("d{n}.sock"));
        let _server = answering(&socket, answer);
        let to = dir.path().join(format!("out{n}.tar"));
        let client = client_at(&socket);
        let downloaded = client.download(call("/containers/c/checkpoint"), &to).await;
        assert_eq!(downloaded.expect("downloaded"), expected.len() as u64);
        assert!(
            std::fs::read(&to).expect("file") == expected,
            "the archive's bytes"
        );
    }
}

#[tokio::test]
async fn a_refused_export_keeps_the_engine_s_reason_and_leaves_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("r.sock");
    let answer = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 30\r\n\r\n{\"message\":\"criu dump failed\"}";
    let _server = answering(&socket, answer.to_vec());
    let to = dir.path().join("out.tar");
    let client = client_at(&socket);
    let e = client
        .download(call("/containers/c/checkpoint"), &to)
        .await
        .expect_err("refused");
    assert!(e.to_string().contains("criu dump failed"), "{e}");
    assert!(!to.exists());
}

#[tokio::test]
async fn a_download_cut_short_fails_and_leaves_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (n, answer) in [
        // The connection closes in the middle of a chunk...
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8000\r\nonly a few bytes",
        // ...or before the last (empty) chunk...
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
        // ...or before the body's length.
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
    ]
    .into_iter()
    .enumerate()
    {
        let socket = dir.path().join(format!("cut{n}.sock"));
        let server = one_shot(&socket, answer);
        let to = dir.path().join(format!("out{n}.tar"));
        let client = client_at(&socket);
        let downloaded = client.download(call("/containers/c/checkpoint"), &to).await;
        let e = downloaded.expect_err("a short stream is a failure");
        assert!(e.is_engine_down(), "{e}");
        assert!(!to.exists(), "no partial archive is left: {answer}");
        drop(server);
    }
}

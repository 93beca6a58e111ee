//! The few typed requests of the libpod REST API that migbench sends, over
//! hyper (unix socket or tcp://): one connection per request, like the bare
//! `curl --unix-socket` calls it is compared with. No crate offers them all:
//! the `podman-api` crate sends an empty body on import-restore.
//!
//! Failures are classified as the Docker engine's are: a connection that
//! cannot be made or is cut is `Unreachable`, no answer within the client's
//! timeout is `Timeout`, and an answer that says no is `Operation` with
//! libpod's own message.

use super::super::contract::EngineError;
use super::super::endpoint::EngineEndpoint;
use super::raw_http::Socket;
use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{combinators::BoxBody, BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::path::PathBuf;
use tokio_util::task::AbortOnDropHandle;

/// A request's connection task: aborted when this is dropped.
type Connection = AbortOnDropHandle<()>;
use std::time::Duration;

/// The API version in every path: any libpod 4.x answers it.
pub const API_PREFIX: &str = "/v4.0.0/libpod";

/// Where the service listens.
#[derive(Debug, Clone)]
enum Address {
    Unix(PathBuf),
    Tcp(String),
}

/// A request body.
pub enum Body {
    Empty,
    Json(serde_json::Value),
    /// A tar held in memory.
    Tar(Vec<u8>),
}

/// A client of one libpod service.
#[derive(Debug, Clone)]
pub struct Client {
    /// The endpoint it is called by, and the tunnel it goes through, if any.
    reached: EngineEndpoint,
    endpoint: String,
    address: Address,
    timeout: Duration,
}

/// What one request asks, for its errors.
pub struct Call<'a> {
    pub method: Method,
    /// Path and query after [`API_PREFIX`].
    pub path: String,
    pub what: &'a str,
}

type ReqBody = BoxBody<Bytes, std::io::Error>;

impl Client {
    /// A client of the service at `unix:///path` or `tcp://host:port`.
    pub fn new(reached: &EngineEndpoint, timeout: Duration) -> Result<Client, EngineError> {
        let endpoint = reached.dial.as_str();
        let address = if let Some(path) = endpoint.strip_prefix("unix://") {
            Address::Unix(PathBuf::from(path))
        } else if let Some(host) = endpoint.strip_prefix("tcp://") {
            Address::Tcp(host.trim_end_matches('/').to_string())
        } else {
            return Err(EngineError::Unreachable {
                endpoint: reached.name.clone(),
                detail: "a Podman endpoint is unix:///path or tcp://host:port".into(),
            });
        };
        Ok(Client {
            reached: reached.clone(),
            endpoint: reached.name.clone(),
            address,
            timeout,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn unreachable(&self, what: &str, detail: impl std::fmt::Display) -> EngineError {
        EngineError::Unreachable {
            endpoint: self.endpoint.clone(),
            detail: self
                .reached
                .unreachable_detail(&format!("{what}: {detail}")),
        }
    }

    pub fn operation(&self, what: &str, detail: impl Into<String>) -> EngineError {
        EngineError::Operation {
            endpoint: self.endpoint.clone(),
            what: what.to_string(),
            detail: detail.into(),
        }
    }

    fn timed_out(&self, what: &str) -> EngineError {
        EngineError::Timeout {
            endpoint: self.endpoint.clone(),
            what: what.to_string(),
            seconds: self.timeout.as_secs(),
        }
    }

    /// Sends `call` and returns the status and the whole answer, or an
    /// `Operation` error with libpod's message when the status says no
    /// (except the statuses in `accepted`, returned as they are).
    pub async fn send(
        &self,
        call: Call<'_>,
        body: Body,
        accepted: &[StatusCode],
    ) -> Result<(StatusCode, Bytes), EngineError> {
        let what = call.what;
        let work = async {
            // Held until the answer is read: dropping this future (a
            // timeout, a stalled upload) ends the connection and its body.
            let (response, _connection) = self.request(&call, body).await?;
            let status = response.status();
            let bytes = response
                .into_body()
                .collect()
                .await
                .map_err(|e| self.hyper_error(what, e))?
                .to_bytes();
            Ok((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|_| self.timed_out(what))??;
        self.accepted(what, (status, bytes), accepted)
    }

    fn accepted(
        &self,
        what: &str,
        (status, bytes): (StatusCode, Bytes),
        accepted: &[StatusCode],
    ) -> Result<(StatusCode, Bytes), EngineError> {
        if status.is_success() || accepted.contains(&status) {
            Ok((status, bytes))
        } else {
            Err(self.operation(what, refusal(status, &bytes)))
        }
    }

    /// Sends `call`; the answer, and the connection's task, which ends (and
    /// with it the request: its body, its socket) when the guard is dropped.
    async fn request(
        &self,
        call: &Call<'_>,
        body: Body,
    ) -> Result<(hyper::Response<Incoming>, Connection), EngineError> {
        let what = call.what;
        let (content_type, body) = plain_body(body);
        let mut builder = Request::builder()
            .method(call.method.clone())
            .uri(format!("{API_PREFIX}{}", call.path))
            .header(http::header::HOST, "d");
        if let Some(content_type) = content_type {
            builder = builder.header(http::header::CONTENT_TYPE, content_type);
        }
        let request = builder
            .body(body)
            .map_err(|e| self.operation(what, format!("cannot build the request: {e}")))?;
        let (mut sender, connection) = match self.connect(what).await? {
            Socket::Unix(stream) => self.handshake(what, stream).await?,
            Socket::Tcp(stream) => self.handshake(what, stream).await?,
        };
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| self.hyper_error(what, e))?;
        Ok((response, connection))
    }

    /// A new connection to the service.
    async fn connect(&self, what: &str) -> Result<Socket, EngineError> {
        let unreachable = |e| self.unreachable(what, e);
        Ok(match &self.address {
            Address::Unix(path) => Socket::Unix(
                tokio::net::UnixStream::connect(path)
                    .await
                    .map_err(unreachable)?,
            ),
            Address::Tcp(host) => Socket::Tcp(
                tokio::net::TcpStream::connect(host)
                    .await
                    .map_err(unreachable)?,
            ),
        })
    }

    async fn handshake<S>(
        &self,
        what: &str,
        stream: S,
    ) -> Result<(hyper::client::conn::http1::SendRequest<ReqBody>, Connection), EngineError>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| self.unreachable(what, e))?;
        // Ends with the request; its error, if any, reaches the sender.
        let task = tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok((sender, AbortOnDropHandle::new(task)))
    }

    /// A hyper error: the connection failed or was cut (unreachable), or
    /// anything else (the operation failed with its text).
    fn hyper_error(&self, what: &str, error: hyper::Error) -> EngineError {
        if error.is_incomplete_message()
            || error.is_closed()
            || error.is_canceled()
            || connection_lost(&error)
        {
            self.unreachable(what, error)
        } else {
            self.operation(what, error.to_string())
        }
    }
}

fn plain_body(body: Body) -> (Option<&'static str>, ReqBody) {
    let never = |never: std::convert::Infallible| match never {};
    match body {
        Body::Empty => (None, Empty::new().map_err(never).boxed()),
        Body::Json(value) => (
            Some("application/json"),
            Full::new(Bytes::from(value.to_string()))
                .map_err(never)
                .boxed(),
        ),
        Body::Tar(bytes) => (
            Some("application/x-tar"),
            Full::new(Bytes::from(bytes)).map_err(never).boxed(),
        ),
    }
}

/// True when an I/O error under `error` says the connection went away.
fn connection_lost(error: &hyper::Error) -> bool {
    use std::io::ErrorKind as K;
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof
            ) {
                return true;
            }
        }
        current = e.source();
    }
    false
}

/// libpod's error answer: `{"cause": ..., "message": ..., "response": N}`.
pub fn refusal(status: StatusCode, body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(default)]
        message: String,
    }
    match serde_json::from_slice::<Answer>(body) {
        Ok(answer) if !answer.message.is_empty() => answer.message.trim().to_string(),
        _ => {
            let text = String::from_utf8_lossy(body);
            let text: String = text.trim().chars().take(500).collect();
            format!("HTTP {status}: {text}")
        }
    }
}

/// A query value, percent-encoded.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[path = "archive_transfer.rs"]
mod archive_transfer;

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;

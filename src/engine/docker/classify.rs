//! What a bollard error means for the run.

use super::super::contract::EngineError;
use std::time::Duration;

/// What a bollard error means: the engine said no (an operation failure with
/// its message), the transport failed (refused, reset, socket gone: the engine
/// is unreachable), or the client's timeout ran out (the operation hangs).
/// Anything else (an answer that is not JSON, a bad request) is a failure of
/// the operation with its text, never "unreachable".
pub(super) fn classify(
    endpoint: &str,
    what: &str,
    api_timeout: Duration,
    error: bollard::errors::Error,
) -> EngineError {
    use bollard::errors::Error as B;
    let operation = |detail: String| EngineError::Operation {
        endpoint: endpoint.to_string(),
        what: what.to_string(),
        detail,
    };
    match error {
        B::DockerResponseServerError { message, .. } => operation(message.trim().to_string()),
        B::DockerStreamError { error } => operation(error),
        B::RequestTimeoutError => EngineError::Timeout {
            endpoint: endpoint.to_string(),
            what: what.to_string(),
            seconds: api_timeout.as_secs(),
        },
        other if is_transport_failure(&other) => EngineError::Unreachable {
            endpoint: endpoint.to_string(),
            detail: format!("{what}: {other}"),
        },
        other => operation(other.to_string()),
    }
}

/// True when the connection itself failed: nothing could be asked, or the
/// answer was cut off.
pub(super) fn is_transport_failure(error: &bollard::errors::Error) -> bool {
    use std::io::ErrorKind as K;
    if matches!(error, bollard::errors::Error::SocketNotFoundError(_)) {
        return true;
    }
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                K::ConnectionRefused
                    | K::ConnectionReset
                    | K::ConnectionAborted
                    | K::NotConnected
                    | K::BrokenPipe
                    | K::NotFound
                    | K::UnexpectedEof
                    | K::AddrNotAvailable
                    | K::HostUnreachable
                    | K::NetworkUnreachable
            ) {
                return true;
            }
        }
        if let Some(hyper) = e.downcast_ref::<hyper::Error>() {
            if hyper.is_incomplete_message() || hyper.is_closed() || hyper.is_canceled() {
                return true;
            }
        }
        if let Some(client) = e.downcast_ref::<hyper_util::client::legacy::Error>() {
            if client.is_connect() {
                return true;
            }
        }
        current = e.source();
    }
    false
}

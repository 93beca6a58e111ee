//! An import request written on a socket migbench holds itself, its archive
//! sent by sendfile(2): the kernel hands the page cache's pages (where the
//! checkpoint was just written) to the socket. Through hyper the same body
//! is read into a buffer, then copied into the socket (chunk-encoded): two
//! copies of every byte in this process, where sendfile makes none on a
//! Unix socket and one on TCP. The answer (a short JSON) is read whole.

use super::archive::ImportBody;
use super::metered_upload::UploadMeter;
use bytes::Bytes;
use http::StatusCode;
use std::io::{self, ErrorKind};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;
use tokio::io::Interest;

/// Bytes asked of sendfile at once: the socket takes what its buffer holds.
const SENDFILE_BYTES: usize = 16 << 20;
/// The largest answer read: libpod's are a few hundred bytes.
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// A connected socket of either kind.
pub enum Socket {
    Unix(tokio::net::UnixStream),
    Tcp(tokio::net::TcpStream),
}

impl Socket {
    fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Socket::Unix(s) => s.as_fd(),
            Socket::Tcp(s) => s.as_fd(),
        }
    }

    async fn ready(&self, interest: Interest) -> io::Result<()> {
        match self {
            Socket::Unix(s) => s.ready(interest).await.map(drop),
            Socket::Tcp(s) => s.ready(interest).await.map(drop),
        }
    }

    fn try_io<R>(&self, interest: Interest, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        match self {
            Socket::Unix(s) => s.try_io(interest, f),
            Socket::Tcp(s) => s.try_io(interest, f),
        }
    }

    /// Runs the non-blocking `f` on the socket once it is ready for `interest`.
    async fn io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            self.ready(interest).await?;
            match self.try_io(interest, &mut f) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                done => return done,
            }
        }
    }
}

/// Why an archive's upload stopped.
#[derive(Debug)]
pub enum SendError {
    /// The socket failed (the peer went away).
    Socket(io::Error),
    /// The archive could not be read, or ended before its length.
    Archive(io::Error),
}

/// Writes `head`, then `body` (its prefix, then its file range by sendfile),
/// noting on `meter` what was handed over.
pub async fn send_archive(
    socket: &Socket,
    head: &[u8],
    body: &ImportBody,
    meter: &Arc<UploadMeter>,
) -> Result<(), SendError> {
    write_all(socket, head).await.map_err(SendError::Socket)?;
    write_all(socket, &body.prefix)
        .await
        .map_err(SendError::Socket)?;
    meter.sent(body.prefix.len() as u64);
    let mut offset = body.offset;
    let end = body.offset + body.len;
    while offset < end {
        let want = (end - offset).min(SENDFILE_BYTES as u64) as usize;
        let sent = socket
            .io(Interest::WRITABLE, || {
                rustix::fs::sendfile(socket.fd(), &body.file, Some(&mut offset), want)
                    .map_err(io::Error::from)
            })
            .await;
        match sent {
            Ok(0) => {
                // The file is shorter than it was: a partial body must not pass for an archive.
                return Err(SendError::Archive(io::Error::new(
                    ErrorKind::UnexpectedEof,
                    format!(
                        "the archive ended after {} of {} bytes",
                        offset - body.offset,
                        body.len
                    ),
                )));
            }
            Ok(n) => meter.sent(n as u64),
            // sendfile names no side: a failing write is the socket's, as the
            // archive's reads fail only on a broken disk.
            Err(e) if is_socket_error(&e) => return Err(SendError::Socket(e)),
            Err(e) => return Err(SendError::Archive(e)),
        }
    }
    meter.handed_over();
    Ok(())
}

fn is_socket_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::BrokenPipe
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::NotConnected
    )
}

async fn write_all(socket: &Socket, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        let n = socket
            .io(Interest::WRITABLE, || {
                rustix::io::write(socket.fd(), bytes).map_err(io::Error::from)
            })
            .await?;
        bytes = &bytes[n..];
    }
    Ok(())
}

/// Reads the answer on `socket` to its end: its status and body.
pub async fn read_answer(socket: &Socket) -> io::Result<(StatusCode, Bytes)> {
    let mut raw = Vec::with_capacity(4096);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = socket
            .io(Interest::READABLE, || {
                rustix::io::read(socket.fd(), &mut buf).map_err(io::Error::from)
            })
            .await?;
        raw.extend_from_slice(&buf[..n]);
        let eof = n == 0;
        match parse_answer(&raw, eof) {
            Ok(Some(answer)) => return Ok(answer),
            Ok(None) if eof => {
                return Err(io::Error::new(
                    ErrorKind::UnexpectedEof,
                    "the answer was cut short",
                ))
            }
            Ok(None) if raw.len() > MAX_ANSWER_BYTES => {
                return Err(io::Error::other("the answer is too long"))
            }
            Ok(None) => {}
            Err(e) => return Err(io::Error::new(ErrorKind::InvalidData, e)),
        }
    }
}

/// An HTTP/1.1 answer in `raw`, when it is complete (`eof`: nothing more
/// will come); an informational (1xx) head before it is skipped.
pub fn parse_answer(raw: &[u8], eof: bool) -> Result<Option<(StatusCode, Bytes)>, String> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut answer = httparse::Response::new(&mut headers);
    let head_len = match answer.parse(raw).map_err(|e| e.to_string())? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return Ok(None),
    };
    let status = StatusCode::from_u16(answer.code.unwrap_or(0)).map_err(|e| e.to_string())?;
    if status.is_informational() {
        return parse_answer(&raw[head_len..], eof);
    }
    let header = |name: &str| {
        answer
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let body = &raw[head_len..];
    let complete = if header("transfer-encoding").is_some_and(|te| te.ends_with("chunked")) {
        dechunk(body)?
    } else if let Some(length) = header("content-length") {
        let length: usize = length.parse().map_err(|_| "a bad Content-Length")?;
        (body.len() >= length).then(|| body[..length].to_vec())
    } else {
        // Neither: the body ends with the connection.
        eof.then(|| body.to_vec())
    };
    Ok(complete.map(|body| (status, Bytes::from(body))))
}

/// A chunked body's data, once its last (empty) chunk arrived.
fn dechunk(mut body: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut data = Vec::new();
    loop {
        let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let line = String::from_utf8_lossy(&body[..line_end]);
        let size = line.split(';').next().unwrap_or_default().trim();
        let size =
            usize::from_str_radix(size, 16).map_err(|_| format!("a bad chunk size '{size}'"))?;
        if size == 0 {
            return Ok(Some(data));
        }
        let chunk = &body[line_end + 2..];
        if chunk.len() < size + 2 {
            return Ok(None);
        }
        data.extend_from_slice(&chunk[..size]);
        body = &chunk[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_by_length_by_chunks_or_to_the_end() {
        let sized = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(parse_answer(&sized[..40], false), Ok(None));
        let (status, body) = parse_answer(sized, false).expect("parses").expect("whole");
        assert_eq!((status, &body[..]), (StatusCode::OK, &b"hello"[..]));
        let chunked = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Internal Server Error\r\n\
                        Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_answer(&chunked[..chunked.len() - 7], false), Ok(None));
        let (status, body) = parse_answer(chunked, false)
            .expect("parses")
            .expect("whole");
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(&body[..], b"abcde");
        let open = b"HTTP/1.1 200 OK\r\n\r\nuntil the end";
        assert_eq!(parse_answer(open, false), Ok(None));
        let (_, body) = parse_answer(open, true).expect("parses").expect("whole");
        assert_eq!(&body[..], b"until the end");
        assert!(parse_answer(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            false
        )
        .is_err());
    }
}

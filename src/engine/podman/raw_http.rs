//! HTTP/1.1 on a socket migbench holds itself, for the requests whose
//! bodies are checkpoint archives (see `archive_transfer`): the socket, and
//! an answer read whole and parsed.

use bytes::Bytes;
use http::StatusCode;
use std::io::{self, ErrorKind};
use std::os::fd::{AsFd, BorrowedFd};
use tokio::io::Interest;

/// The largest answer read: libpod's are a few hundred bytes.
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// A connected socket of either kind.
pub enum Socket {
    Unix(tokio::net::UnixStream),
    Tcp(tokio::net::TcpStream),
}

impl Socket {
    pub(super) fn fd(&self) -> BorrowedFd<'_> {
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
    pub(super) async fn io<R>(
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

/// Writes all of `bytes`.
pub(super) async fn write_all(socket: &Socket, mut bytes: &[u8]) -> io::Result<()> {
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

/// Reads the answer on `socket` to its end (`raw`: its start, already
/// read): its status and body.
pub async fn read_answer(socket: &Socket, mut raw: Vec<u8>) -> io::Result<(StatusCode, Bytes)> {
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

/// How an answer's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Framing {
    Chunked,
    Length(u64),
    /// Neither: the body ends with the connection.
    ToEnd,
}

/// An answer's head: its status, its length in bytes (an informational
/// (1xx) head before it included) and how its body is delimited.
#[derive(Debug, PartialEq)]
pub struct Head {
    pub status: StatusCode,
    pub len: usize,
    pub framing: Framing,
}

/// The head at the start of `raw`, when it is complete.
pub fn parse_head(raw: &[u8]) -> Result<Option<Head>, String> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut answer = httparse::Response::new(&mut headers);
    let len = match answer.parse(raw).map_err(|e| e.to_string())? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return Ok(None),
    };
    let status = StatusCode::from_u16(answer.code.unwrap_or(0)).map_err(|e| e.to_string())?;
    if status.is_informational() {
        let next = parse_head(&raw[len..])?;
        return Ok(next.map(|head| Head {
            len: len + head.len,
            ..head
        }));
    }
    let header = |name: &str| {
        answer
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let framing = if header("transfer-encoding").is_some_and(|te| te.ends_with("chunked")) {
        Framing::Chunked
    } else if let Some(length) = header("content-length") {
        Framing::Length(length.parse().map_err(|_| "a bad Content-Length")?)
    } else {
        Framing::ToEnd
    };
    Ok(Some(Head {
        status,
        len,
        framing,
    }))
}

/// An HTTP/1.1 answer in `raw`, when it is complete (`eof`: nothing more
/// will come).
pub fn parse_answer(raw: &[u8], eof: bool) -> Result<Option<(StatusCode, Bytes)>, String> {
    let Some(head) = parse_head(raw)? else {
        return Ok(None);
    };
    let body = &raw[head.len..];
    let complete = match head.framing {
        Framing::Chunked => dechunk(body)?,
        Framing::Length(length) => {
            let length = usize::try_from(length).map_err(|_| "a bad Content-Length")?;
            (body.len() >= length).then(|| body[..length].to_vec())
        }
        Framing::ToEnd => eof.then(|| body.to_vec()),
    };
    Ok(complete.map(|body| (head.status, Bytes::from(body))))
}

/// The size of the chunk whose header line starts `raw` (after the CRLF that
/// ends the previous chunk's data, if `after_data`), and the header's length
/// with that CRLF; `None` until the line is complete.
pub fn chunk_header(raw: &[u8], after_data: bool) -> Result<Option<(u64, usize)>, String> {
    let skip = if after_data { 2 } else { 0 };
    if raw.len() < skip {
        return Ok(None);
    }
    if !raw.starts_with(&b"\r\n"[..skip]) {
        return Err("a chunk's data is not followed by CRLF".into());
    }
    let Some(line_end) = raw[skip..].windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    let line = String::from_utf8_lossy(&raw[skip..skip + line_end]);
    let size = line.split(';').next().unwrap_or_default().trim();
    let size = u64::from_str_radix(size, 16).map_err(|_| format!("a bad chunk size '{size}'"))?;
    Ok(Some((size, skip + line_end + 2)))
}

/// A chunked body's data, once its last (empty) chunk arrived.
fn dechunk(mut body: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut data = Vec::new();
    let mut after_data = false;
    loop {
        let Some((size, header_len)) = chunk_header(body, after_data)? else {
            return Ok(None);
        };
        if size == 0 {
            return Ok(Some(data));
        }
        let size = usize::try_from(size).map_err(|_| "a chunk too large")?;
        let chunk = &body[header_len..];
        if chunk.len() < size {
            return Ok(None);
        }
        data.extend_from_slice(&chunk[..size]);
        body = &chunk[size..];
        after_data = true;
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

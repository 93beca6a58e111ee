//! The two requests whose bodies are checkpoint archives, on a socket of
//! migbench's own (see `raw_http`) so that the archive never passes through
//! this process's memory: an export's answer is spliced from the socket
//! through a pipe into the checkpoint file, an import's body is sent from the
//! file by sendfile(2). Through hyper each byte was copied out of the kernel
//! and back in (read into a buffer, written to the file; read from the file,
//! copied into the socket), on a task of its own whose CPU went uncounted.
//! Both are migration work, counted with the bytes they moved.

use super::super::archive::ImportBody;
use super::super::metered_upload::UploadMeter;
use super::super::raw_http::{self, Framing, Socket};
use super::{Call, Client, API_PREFIX};
use crate::engine::EngineError;
use bytes::Bytes;
use http::StatusCode;
use rustix::pipe::SpliceFlags;
use std::io::{self, ErrorKind};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::Interest;

/// How long a service that stopped taking an upload is given to say why.
const REFUSAL_WAIT: Duration = Duration::from_secs(2);
/// Bytes asked of sendfile at once: the socket takes what its buffer holds.
const SENDFILE_BYTES: usize = 16 << 20;
/// The pipe a download is spliced through (Linux's default maximum).
const PIPE_BYTES: usize = 1 << 20;

/// Why a transfer stopped, by side.
enum Failed {
    /// The connection failed, or the answer was cut short or malformed.
    Socket(io::Error),
    /// The archive's file could not be read or written.
    File(io::Error),
    /// The service said no: its status and answer.
    Refused(StatusCode, Bytes),
}

fn short(what: &str) -> io::Error {
    io::Error::new(ErrorKind::UnexpectedEof, format!("{what} was cut short"))
}

impl Client {
    fn failed(&self, what: &str, path: &Path, failed: Failed) -> EngineError {
        match failed {
            Failed::Socket(e) => self.unreachable(what, e),
            Failed::File(source) => EngineError::Io {
                what: format!("{what}: the archive"),
                path: path.to_path_buf(),
                source,
            },
            Failed::Refused(status, body) => self.operation(what, super::refusal(status, &body)),
        }
    }

    fn head(call: &Call<'_>, body: Option<u64>) -> String {
        let body = body.map_or("Content-Length: 0\r\n".to_string(), |len| {
            format!("Content-Type: application/x-tar\r\nContent-Length: {len}\r\n")
        });
        format!(
            "{} {API_PREFIX}{} HTTP/1.1\r\nHost: d\r\n{body}Connection: close\r\n\r\n",
            call.method, call.path
        )
    }

    /// Sends `call` with the archive `body` as its body, measured by
    /// `meter`; returns the answer as `send` does.
    pub async fn upload(
        &self,
        call: Call<'_>,
        body: ImportBody,
        meter: Arc<UploadMeter>,
    ) -> Result<(StatusCode, Bytes), EngineError> {
        let what = call.what;
        let work = async {
            let socket = self.connect(what).await?;
            if let Socket::Tcp(stream) = &socket {
                // A duplicate: the meter may ask it after the socket closed.
                if let Ok(dup) = stream.as_fd().try_clone_to_owned() {
                    meter.watch(dup);
                }
            }
            let head = Self::head(&call, Some(body.total_bytes()));
            let sent = send_archive(&socket, head.as_bytes(), &body, &meter).await;
            let answer = match &sent {
                Ok(()) => raw_http::read_answer(&socket, Vec::new()).await,
                // A service that stops reading may have said why before it hung up.
                Err(_) => {
                    tokio::time::timeout(REFUSAL_WAIT, raw_http::read_answer(&socket, Vec::new()))
                        .await
                        .unwrap_or_else(|_| Err(ErrorKind::TimedOut.into()))
                }
            };
            match (sent, answer) {
                (Ok(()), Ok(answer)) => Ok(answer),
                // Its refusal, never a success: the body did not arrive whole.
                (Err(Failed::Socket(_)), Ok(answer)) if !answer.0.is_success() => Ok(answer),
                (Ok(()), Err(e)) => Err(self.unreachable(what, e)),
                (Err(failed), _) => Err(self.failed(what, &body.path, failed)),
            }
        };
        let answer = tokio::time::timeout(self.timeout, crate::work_cpu::counted_future(work))
            .await
            .map_err(|_| self.timed_out(what))??;
        self.accepted(what, answer, &[])
    }

    /// Sends `call` and streams a successful answer into the file `to`;
    /// returns the bytes written. A failed or cut-short download leaves no
    /// file to pass for a checkpoint.
    pub async fn download(&self, call: Call<'_>, to: &Path) -> Result<u64, EngineError> {
        let what = call.what;
        let work = async {
            let socket = self.connect(what).await?;
            raw_http::write_all(&socket, Self::head(&call, None).as_bytes())
                .await
                .map_err(|e| self.unreachable(what, e))?;
            let written = receive_archive(&socket, to)
                .await
                .map_err(|failed| self.failed(what, to, failed))?;
            crate::work_cpu::add_bytes(written);
            Ok(written)
        };
        // Downloading a checkpoint is migration work, not the harness's own.
        let downloaded = tokio::time::timeout(self.timeout, crate::work_cpu::counted_future(work))
            .await
            .map_err(|_| self.timed_out(what))
            .and_then(|written| written);
        if downloaded.is_err() {
            let _ = std::fs::remove_file(to);
        }
        downloaded
    }
}

/// Writes `head`, then `body` (its prefix, then its file range by sendfile),
/// noting on `meter` what was handed over.
async fn send_archive(
    socket: &Socket,
    head: &[u8],
    body: &ImportBody,
    meter: &Arc<UploadMeter>,
) -> Result<(), Failed> {
    raw_http::write_all(socket, head)
        .await
        .map_err(Failed::Socket)?;
    raw_http::write_all(socket, &body.prefix)
        .await
        .map_err(Failed::Socket)?;
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
            // The file shrank: a partial body must not pass for an archive.
            Ok(0) => return Err(Failed::File(short("the archive"))),
            Ok(n) => meter.sent(n as u64),
            // sendfile names no side: a failing write is the socket's (the
            // archive's reads fail only on a broken disk).
            Err(e) if is_socket_error(&e) => return Err(Failed::Socket(e)),
            Err(e) => return Err(Failed::File(e)),
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

/// Reads a successful answer's body from `socket` into a new file `to`:
/// only the answer's head and chunk headers are read into memory, the rest
/// is spliced. Returns the bytes written.
async fn receive_archive(socket: &Socket, to: &Path) -> Result<u64, Failed> {
    let (head, taken) = take(socket, 16 * 1024, |seen| {
        Ok(raw_http::parse_head(seen)?.map(|head| {
            let len = head.len;
            (head, len)
        }))
    })
    .await?;
    if !head.status.is_success() {
        let (status, body) = raw_http::read_answer(socket, taken)
            .await
            .map_err(Failed::Socket)?;
        return Err(Failed::Refused(status, body));
    }
    let mut to = Spliced::create(to).map_err(Failed::File)?;
    match head.framing {
        Framing::Length(len) => to.splice(socket, len).await?,
        Framing::ToEnd => to.splice(socket, u64::MAX).await?,
        Framing::Chunked => {
            let mut after_data = false;
            loop {
                let (size, _) =
                    take(socket, 64, |seen| raw_http::chunk_header(seen, after_data)).await?;
                if size == 0 {
                    break;
                }
                to.splice(socket, size).await?;
                after_data = true;
            }
        }
    }
    Ok(to.written)
}

/// Takes from `socket` the bytes `parse` needs (at most `max`), and no more:
/// what comes after them stays in the socket. Returns what `parse` made of
/// them, and them.
async fn take<T>(
    socket: &Socket,
    max: usize,
    parse: impl Fn(&[u8]) -> Result<Option<(T, usize)>, String>,
) -> Result<(T, Vec<u8>), Failed> {
    let mut taken = Vec::new();
    loop {
        let mut seen = taken.clone();
        seen.extend_from_slice(&peek(socket, max - taken.len()).await?);
        match parse(&seen).map_err(invalid)? {
            Some((value, len)) => {
                consume(socket, len - taken.len()).await?;
                seen.truncate(len);
                return Ok((value, seen));
            }
            None if seen.len() >= max => return Err(invalid("a header too long")),
            // In part (rare: libpod writes each header with what follows):
            // take it, and wait for the rest.
            None => {
                consume(socket, seen.len() - taken.len()).await?;
                taken = seen;
            }
        }
    }
}

fn invalid(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Failed {
    Failed::Socket(io::Error::new(ErrorKind::InvalidData, e))
}

/// Up to `max` bytes waiting on `socket`, left there; at least one.
async fn peek(socket: &Socket, max: usize) -> Result<Vec<u8>, Failed> {
    let mut buf = vec![0u8; max];
    let n = socket
        .io(Interest::READABLE, || {
            rustix::net::recv(socket.fd(), &mut buf[..], rustix::net::RecvFlags::PEEK)
                .map(|(n, _)| n)
                .map_err(io::Error::from)
        })
        .await
        .map_err(Failed::Socket)?;
    if n == 0 {
        return Err(Failed::Socket(short("the answer")));
    }
    buf.truncate(n);
    Ok(buf)
}

/// Takes `len` bytes already peeked off `socket`.
async fn consume(socket: &Socket, len: usize) -> Result<(), Failed> {
    let mut buf = vec![0u8; len];
    let mut got = 0;
    while got < len {
        let n = socket
            .io(Interest::READABLE, || {
                rustix::io::read(socket.fd(), &mut buf[got..]).map_err(io::Error::from)
            })
            .await
            .map_err(Failed::Socket)?;
        if n == 0 {
            return Err(Failed::Socket(short("the answer")));
        }
        got += n;
    }
    Ok(())
}

/// A file written by splicing from a socket through a pipe.
struct Spliced {
    file: std::fs::File,
    pipe: (OwnedFd, OwnedFd),
    /// What the pipe holds.
    capacity: usize,
    written: u64,
}

impl Spliced {
    fn create(path: &Path) -> io::Result<Spliced> {
        let file = std::fs::File::create(path)?;
        let pipe = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
        // A larger pipe moves more per call; where the limit is lower, the default will do.
        let capacity = rustix::pipe::fcntl_setpipe_size(&pipe.1, PIPE_BYTES)
            .or_else(|_| rustix::pipe::fcntl_getpipe_size(&pipe.1))?;
        Ok(Spliced {
            file,
            pipe,
            capacity,
            written: 0,
        })
    }

    /// Moves `len` bytes (`u64::MAX`: to the end of the stream) from `socket`
    /// into the file.
    async fn splice(&mut self, socket: &Socket, len: u64) -> Result<(), Failed> {
        let mut left = len;
        while left > 0 {
            let want = left.min(self.capacity as u64) as usize;
            let flags = SpliceFlags::NONBLOCK | SpliceFlags::MOVE;
            let n = socket
                .io(Interest::READABLE, || {
                    rustix::pipe::splice(socket.fd(), None, &self.pipe.1, None, want, flags)
                        .map_err(io::Error::from)
                })
                .await
                .map_err(Failed::Socket)?;
            if n == 0 {
                if len == u64::MAX {
                    return Ok(());
                }
                return Err(Failed::Socket(short("the archive")));
            }
            self.drain(n).map_err(Failed::File)?;
            left -= n as u64;
        }
        Ok(())
    }

    /// Moves the `n` bytes the pipe holds into the file.
    fn drain(&mut self, mut n: usize) -> io::Result<()> {
        while n > 0 {
            let moved =
                rustix::pipe::splice(&self.pipe.0, None, &self.file, None, n, SpliceFlags::MOVE)?;
            if moved == 0 {
                return Err(ErrorKind::WriteZero.into());
            }
            n -= moved;
            self.written += moved as u64;
        }
        Ok(())
    }
}

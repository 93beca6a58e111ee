//! An upload measured from inside the request: the bytes handed to the
//! connection, when the first and the last were handed over, and (over TCP)
//! when the peer had acknowledged every byte sent.
//!
//! The last byte handed to hyper still sits in this machine's socket
//! buffer (up to a few MiB with TCP's autotuning): on a slow link, the
//! upload ends when the peer's kernel acknowledged it, which the socket's
//! unsent-and-unacknowledged count (`TIOCOUTQ`) says (8 MB over a 20 Mbit/s
//! tbf link here: handed over after 2.86 s, 2.79 MB/s, faster than the link;
//! acknowledged after 3.32 s, 2.41 MB/s). libpod writes the
//! whole body to a temporary file before CRIU starts, so this is the
//! transfer's share of a restore request.

use super::super::Transferred;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the socket is asked whether everything was acknowledged.
const ACK_POLL: Duration = Duration::from_millis(1);
/// How often a stall watch asks how far the upload got.
const STALL_POLL: Duration = Duration::from_millis(250);
/// How long acknowledgements are waited for after the last byte was handed over.
const ACK_WAIT: Duration = Duration::from_secs(600);

#[derive(Debug, Default)]
struct Marks {
    bytes: u64,
    started: Option<Instant>,
    handed_over: Option<Instant>,
    acknowledged: Option<Instant>,
    socket: Option<Arc<OwnedFd>>,
}

/// What one upload measured; shared by the body and whoever reads it.
#[derive(Debug, Default)]
pub struct UploadMeter {
    marks: Mutex<Marks>,
}

impl UploadMeter {
    /// Watches `socket` (a duplicate of the connection's) for the peer's
    /// acknowledgement of the last byte.
    pub fn watch(&self, socket: OwnedFd) {
        if let Ok(mut marks) = self.marks.lock() {
            marks.socket = Some(Arc::new(socket));
        }
    }

    /// The upload, when the whole body was handed over: from the first
    /// byte handed over to the acknowledgement of the last (or, where
    /// there is none to wait for, its handing over).
    pub fn measured(&self) -> Option<Transferred> {
        let marks = self.marks.lock().ok()?;
        Some(Transferred {
            bytes: marks.bytes,
            started: marks.started?,
            ended: marks.acknowledged.or(marks.handed_over)?,
        })
    }

    fn with(&self, f: impl FnOnce(&mut Marks)) {
        if let Ok(mut marks) = self.marks.lock() {
            f(&mut marks);
        }
    }

    /// Bytes the peer has acknowledged so far (handed over, minus those still
    /// in the socket's queue); `None` when there is no TCP socket to ask.
    fn acknowledged_bytes(&self) -> Option<u64> {
        let (bytes, socket) = {
            let marks = self.marks.lock().ok()?;
            (marks.bytes, marks.socket.clone()?)
        };
        let queued = unacknowledged_bytes(&socket)?;
        Some(bytes.saturating_sub(queued.max(0) as u64))
    }

    fn upload_done(&self) -> bool {
        self.marks.lock().map_or(true, |m| m.acknowledged.is_some())
    }

    /// Resolves when the upload moved no byte for `limit` (the peer
    /// acknowledged nothing new): why, with how far it got. Never resolves
    /// without a limit, over a Unix socket, nor once every byte was
    /// acknowledged (what follows is the engine's restore, not the upload).
    pub async fn stalled(&self, limit: Option<Duration>) -> String {
        let Some(limit) = limit else {
            return std::future::pending().await;
        };
        let mut last = (0, Instant::now());
        loop {
            tokio::time::sleep(STALL_POLL).await;
            if self.upload_done() {
                return std::future::pending().await;
            }
            let Some(acknowledged) = self.acknowledged_bytes() else {
                continue;
            };
            if acknowledged > last.0 {
                last = (acknowledged, Instant::now());
            } else if last.1.elapsed() >= limit {
                return format!(
                    "the upload stalled: no byte acknowledged by the engine's machine for {} s \
                     (transfer.stall_s), after {:.1} MB had crossed",
                    limit.as_secs(),
                    acknowledged as f64 / 1e6
                );
            }
        }
    }

    /// `bytes` more were handed to the connection (the first of them now,
    /// or earlier).
    pub fn sent(&self, bytes: u64) {
        self.with(|marks| {
            marks.started.get_or_insert_with(Instant::now);
            marks.bytes += bytes;
        });
    }

    /// The last byte was handed over: notes it (and the bytes moved, as
    /// migration work), and waits in the background for the peer to
    /// acknowledge everything sent.
    pub fn handed_over(self: &Arc<Self>) {
        let mut socket = None;
        self.with(|marks| {
            marks.handed_over = Some(Instant::now());
            socket = marks.socket.clone();
            crate::work_cpu::add_bytes(marks.bytes);
        });
        let (Some(socket), Ok(runtime)) = (socket, tokio::runtime::Handle::try_current()) else {
            return;
        };
        let meter = self.clone();
        runtime.spawn(async move {
            let deadline = Instant::now() + ACK_WAIT;
            while Instant::now() < deadline {
                match unacknowledged_bytes(&socket) {
                    Some(0) => {
                        meter.with(|marks| marks.acknowledged = Some(Instant::now()));
                        return;
                    }
                    Some(_) => tokio::time::sleep(ACK_POLL).await,
                    // The connection is gone: nothing more to learn.
                    None => return,
                }
            }
        });
    }
}

/// Bytes sent on `socket` and not yet acknowledged by the peer, plus those
/// not sent yet.
fn unacknowledged_bytes(socket: &OwnedFd) -> Option<i32> {
    let mut count: libc::c_int = 0;
    // SAFETY: TIOCOUTQ on a socket we hold open writes one int. (rustix wraps
    // no TIOCOUTQ for sockets, std neither.)
    let rc = unsafe { libc::ioctl(socket.as_raw_fd(), libc::TIOCOUTQ, &mut count) };
    (rc == 0).then_some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_upload_handed_over_to_its_end_is_measured() {
        let meter = Arc::new(UploadMeter::default());
        meter.sent(3000);
        assert!(meter.measured().is_none(), "not all handed over yet");
        meter.sent(2000);
        meter.handed_over();
        let measured = meter.measured().expect("measured");
        assert_eq!(measured.bytes, 5000);
        assert!(measured.ended >= measured.started);
    }

    #[tokio::test]
    async fn over_tcp_the_end_waits_for_the_peer_s_acknowledgement() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let stream = tokio::net::TcpStream::connect(address)
            .await
            .expect("connect");
        let (_peer, _) = listener.accept().await.expect("accept");
        let meter = Arc::new(UploadMeter::default());
        let socket = std::os::fd::AsFd::as_fd(&stream)
            .try_clone_to_owned()
            .expect("dup");
        meter.watch(socket);
        meter.sent(3);
        meter.handed_over();
        // Nothing unacknowledged: the watcher notes it within a few polls.
        for _ in 0..100 {
            if meter.marks.lock().expect("lock").acknowledged.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(meter.marks.lock().expect("lock").acknowledged.is_some());
        assert_eq!(meter.measured().expect("measured").bytes, 3);
    }
}

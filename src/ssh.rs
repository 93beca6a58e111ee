//! SSH, the way people reach engines on other machines and move files between
//! them: the system's OpenSSH client with fixed options (never a prompt,
//! never a password). [`Destination`] is `[user@]host[:port]`,
//! [`SshEndpoint`] an engine's `ssh://[user@]host[:port]/path/to/engine.sock`
//! (the Docker and Podman CLIs' convention), [`Access`] a destination with the
//! identity and known hosts to use. `tunnel` forwards an engine's unix socket
//! to a private local one; `upload` streams a directory into a remote one.
//!
//! Why SSH at all: an engine API on plain TCP is root on its host for anyone
//! who can reach the port; over SSH only holders of an authorised key can.

mod access;
mod destination;
mod error;
mod tunnel;
mod upload;

pub use access::Access;
pub use destination::{Destination, SshEndpoint, MAX_SOCKET_BYTES};
pub use error::SshError;
pub use tunnel::{clean_orphans, Tunnel};
pub use upload::{probe_dir, upload_dir};

#[cfg(test)]
mod tests;

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
mod dir_upload;
mod ssh_error;
mod tunnel;

pub use access::Access;
pub use destination::{Destination, SshEndpoint, MAX_SOCKET_BYTES};
pub use dir_upload::{probe_dir, upload_dir};
pub use ssh_error::SshError;
pub use tunnel::{clean_orphans, Tunnel};

#[cfg(test)]
#[path = "ssh/ssh_tests.rs"]
mod tests;

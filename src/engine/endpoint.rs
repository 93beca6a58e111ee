//! Where an engine is reached and what it is called: the endpoint the user
//! named (`unix://`, `tcp://`, `https://` or `ssh://`), the address its client
//! dials (for `ssh://`, the local end of an SSH tunnel), and that tunnel,
//! held by the engine's client so that it lives exactly as long as the engine
//! (it closes with the last handle).

use crate::ssh::Tunnel;
use std::sync::Arc;

/// An engine's endpoint and the way to it.
#[derive(Clone)]
pub struct EngineEndpoint {
    /// What the engine is called in everything it says (errors, info, checks).
    pub name: String,
    /// What its client dials.
    pub dial: String,
    tunnel: Option<Arc<Tunnel>>,
}

impl std::fmt::Debug for EngineEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineEndpoint")
            .field("name", &self.name)
            .field("dial", &self.dial)
            .finish()
    }
}

impl EngineEndpoint {
    /// An endpoint the client dials as it is named.
    pub fn direct(endpoint: &str) -> EngineEndpoint {
        EngineEndpoint {
            name: endpoint.to_string(),
            dial: endpoint.to_string(),
            tunnel: None,
        }
    }

    /// `endpoint` (an `ssh://` one) reached through `tunnel`.
    pub fn tunnelled(endpoint: &str, tunnel: Tunnel) -> EngineEndpoint {
        EngineEndpoint {
            name: endpoint.to_string(),
            dial: tunnel.local_endpoint(),
            tunnel: Some(Arc::new(tunnel)),
        }
    }

    /// `text` naming the endpoint instead of the address dialled (a client's
    /// error may quote the tunnel's private socket).
    pub fn renamed(&self, text: &str) -> String {
        if self.dial == self.name {
            return text.to_string();
        }
        text.replace(&self.dial, &self.name)
    }

    /// Why the engine could not be reached, saying so when the SSH tunnel
    /// that carried it died.
    pub fn unreachable_detail(&self, detail: &str) -> String {
        let detail = self.renamed(detail);
        match self.tunnel.as_ref().and_then(|t| t.exited()) {
            Some(why) => format!("{detail}; {why}"),
            None => detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_direct_endpoint_is_named_as_dialled() {
        let endpoint = EngineEndpoint::direct("unix:///run/podman/podman.sock");
        assert_eq!(endpoint.dial, endpoint.name);
        assert_eq!(
            endpoint.unreachable_detail("connect: refused"),
            "connect: refused"
        );
    }

    #[test]
    fn the_dialled_address_is_renamed_to_the_endpoint() {
        let endpoint = EngineEndpoint {
            name: "ssh://h/run/docker.sock".into(),
            dial: "unix:///tmp/t/engine.sock".into(),
            tunnel: None,
        };
        assert_eq!(
            endpoint.renamed("error at unix:///tmp/t/engine.sock: gone"),
            "error at ssh://h/run/docker.sock: gone"
        );
    }
}

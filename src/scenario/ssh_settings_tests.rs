//! The SSH fields: `ssh://` endpoints, `[target] ssh`, `ssh_identity` and
//! `transfer.mode = "ssh"`, with every refusal naming what to do.

use super::*;
use std::path::{Path, PathBuf};

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::parse(Path::new("test.toml"), text, &[])
}

fn error_of(text: &str) -> String {
    match parse(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

const HEAD: &str = "name = \"x\"\ncontainers = 3\n";

#[test]
fn a_remote_docker_target_over_ssh_parses() {
    let s = parse(&format!(
        "{HEAD}[target]\nendpoint = \"ssh://root@10.1.0.2:2222/var/run/docker.sock\"\n\
         ssh = \"root@10.1.0.2:2222\"\nssh_identity = \"/root/.ssh/lab\"\n\
         [transfer]\nmode = \"ssh\"\n"
    ))
    .expect("valid");
    assert_eq!(s.transfer_mode, TransferMode::Ssh);
    assert_eq!(
        s.targets[0]
            .ssh
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("root@10.1.0.2:2222")
    );
    assert_eq!(
        s.targets[0].ssh_identity,
        Some(PathBuf::from("/root/.ssh/lab"))
    );
    assert_eq!(
        s.targets[0].endpoint(),
        Some("ssh://root@10.1.0.2:2222/var/run/docker.sock")
    );
    // The effective scenario reads back the same.
    let again = Scenario::parse(Path::new("again.toml"), &s.source_text, &[]).expect("reads back");
    assert_eq!(again.targets, s.targets);
    // An emulated host needs nothing more: its own sshd is the destination.
    let emulated = parse(&format!(
        "{HEAD}[target]\nemulate = {{ memory = \"512MiB\" }}\n[transfer]\nmode = \"ssh\"\n"
    ))
    .expect("valid");
    assert_eq!(
        (&emulated.targets[0].ssh, &emulated.targets[0].ssh_identity),
        (&None, &None)
    );
}

#[test]
fn ssh_endpoints_are_checked_while_parsing() {
    for (endpoint, says) in [
        ("ssh://host", "names no socket"),
        ("ssh://host:99999/run/d.sock", "port must be 1 to 65535"),
        ("ssh://-oProxyCommand=x/run/d.sock", "host must be"),
        ("ssh://h/run/a:b.sock", "no ':'"),
    ] {
        let e = error_of(&format!("{HEAD}[source]\nendpoint = \"{endpoint}\"\n"));
        assert!(
            e.contains("source.endpoint")
                && e.contains("ssh://[user@]host[:port]/path")
                && e.contains(says),
            "{endpoint}: {e}"
        );
    }
}

#[test]
fn ssh_use_is_refused_where_it_cannot_work() {
    let cases = [
        (
            "[target]\nengine = \"podman\"\n[source]\nengine = \"podman\"\n[transfer]\nmode = \"ssh\"\n",
            "through its API",
        ),
        ("[transfer]\nmode = \"ssh\"\n", "needs a target engine on another machine"),
        (
            "[target]\nendpoint = \"tcp://10.0.0.2:2375\"\n[transfer]\nmode = \"ssh\"\n",
            "[target] ssh is required",
        ),
        (
            "[target]\nendpoint = \"tcp://10.0.0.2:2375\"\nssh = \"root@10.0.0.2\"\n",
            "only with [transfer] mode = \"ssh\"",
        ),
        (
            "[target]\nemulate = { memory = \"512MiB\" }\nssh = \"root@h\"\n[transfer]\nmode = \"ssh\"\n",
            "its own sshd",
        ),
        (
            "[target]\nemulate = { memory = \"512MiB\" }\nssh_identity = \"/k\"\n[transfer]\nmode = \"ssh\"\n",
            "the key migbench made",
        ),
        ("[source]\nssh_identity = \"/k\"\n", "[source] ssh_identity is used only"),
        (
            "[target]\nendpoint = \"tcp://h:2375\"\nssh_identity = \"/k\"\n",
            "[target] ssh_identity is used only",
        ),
        ("[target]\nssh = \"root@@h\"\n", "SSH destination"),
        ("[target]\nssh_identity = \"key\"\n", "absolute path of a private key"),
    ];
    for (body, says) in cases {
        let e = error_of(&format!("{HEAD}{body}"));
        assert!(e.contains(says), "{body}: {e}");
    }
}

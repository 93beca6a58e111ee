use super::ssh_error::{classify, tail};
use super::*;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

fn strings(args: Vec<OsString>) -> Vec<String> {
    args.into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn destinations_parse_and_print_back() {
    let cases = [
        ("host", None, "host", None),
        ("root@10.0.0.2:2222", Some("root"), "10.0.0.2", Some(2222)),
        ("me@box.example.org", Some("me"), "box.example.org", None),
        ("[::1]:22", None, "::1", Some(22)),
        ("ops@[fd00::2]", Some("ops"), "fd00::2", None),
    ];
    for (text, user, host, port) in cases {
        let d = Destination::parse(text).expect(text);
        assert_eq!(d.user.as_deref(), user, "{text}");
        assert_eq!(d.host, host, "{text}");
        assert_eq!(d.port, port, "{text}");
        assert_eq!(d.to_string(), text, "prints back");
    }
    assert_eq!(
        Destination::parse("root@127.0.0.1:2222")
            .expect("ok")
            .known_hosts_name(),
        "[127.0.0.1]:2222"
    );
    assert_eq!(
        Destination::parse("h:22").expect("ok").known_hosts_name(),
        "h"
    );
}

#[test]
fn bad_destinations_say_what_is_wrong() {
    let cases = [
        ("", "host"),
        ("@host", "user"),
        ("-oProxyCommand=x", "host"),
        ("-l@host", "user"),
        ("a@b@c", "host"),
        ("host:0", "port must be 1 to 65535"),
        ("host:70000", "port"),
        ("host:", "port"),
        ("[::1", "']'"),
        ("[::1]x", "':port'"),
        ("[zz]:22", "IPv6"),
        ("ho st", "host"),
        (".hidden", "host"),
    ];
    for (text, says) in cases {
        let e = Destination::parse(text).expect_err(text);
        assert!(e.contains(says), "{text}: {e}");
    }
}

#[test]
fn ssh_endpoints_parse_with_precise_errors() {
    let e = SshEndpoint::parse("ssh://root@127.0.0.1:2222/run/migbench/h1/docker.sock")
        .expect("valid")
        .expect("an ssh endpoint");
    assert_eq!(e.destination.to_string(), "root@127.0.0.1:2222");
    assert_eq!(e.socket, PathBuf::from("/run/migbench/h1/docker.sock"));
    assert_eq!(SshEndpoint::parse("unix:///var/run/docker.sock"), Ok(None));
    let long = format!("ssh://h/{}", "s".repeat(200));
    for (text, says) in [
        ("ssh://host", "names no socket"),
        ("ssh://host/", "no socket path"),
        ("ssh:///var/run/docker.sock", "host"),
        ("ssh://h:x/run/d.sock", "port"),
        ("ssh://h/run/a:b.sock", "':'"),
        ("ssh://h/run/a b.sock", "space"),
        (long.as_str(), "at most 107"),
    ] {
        let e = SshEndpoint::parse(text).expect_err(text);
        assert!(e.contains(says), "{text}: {e}");
    }
}

#[test]
fn the_tunnel_command_forwards_one_socket_and_never_prompts() {
    let access = Access::new(Destination::parse("ops@box:2200").expect("ok"));
    let args =
        strings(access.tunnel_args(Path::new("/tmp/x/engine.sock"), Path::new("/run/d.sock")));
    let line = args.join(" ");
    for expected in [
        "-o BatchMode=yes",
        "-o ExitOnForwardFailure=yes",
        "-o StreamLocalBindUnlink=yes",
        "-N -L /tmp/x/engine.sock:/run/d.sock",
        "-p 2200",
        "-l ops",
    ] {
        assert!(line.contains(expected), "{expected} in {line}");
    }
    // The host comes last, after `--`: it can never be read as an option.
    assert_eq!(&args[args.len() - 2..], ["--", "box"]);
    // The user's own ssh config and keys decide when nothing is given.
    assert!(!line.contains("-F none") && !line.contains("-i "), "{line}");
}

#[test]
fn an_own_host_is_reached_with_its_key_and_known_hosts_only() {
    let access = Access {
        destination: Destination::parse("root@127.0.0.1:40022").expect("ok"),
        identity: Some(PathBuf::from(
            "/var/lib/migbench/hosts/h/ssh/client_ed25519",
        )),
        known_hosts: Some(PathBuf::from("/var/lib/migbench/hosts/h/ssh/known_hosts")),
    };
    let args = strings(access.command_args("mkdir -p -- /x && exec tar -x -f - -C /x"));
    assert_eq!(&args[..2], ["-F", "none"]);
    let line = args.join(" ");
    for expected in [
        "-o UserKnownHostsFile=/var/lib/migbench/hosts/h/ssh/known_hosts",
        "-o StrictHostKeyChecking=yes",
        "-o IdentitiesOnly=yes",
        "-i /var/lib/migbench/hosts/h/ssh/client_ed25519",
    ] {
        assert!(line.contains(expected), "{expected} in {line}");
    }
    assert_eq!(
        &args[args.len() - 3..],
        [
            "--",
            "127.0.0.1",
            "mkdir -p -- /x && exec tar -x -f - -C /x"
        ]
    );
}

#[test]
fn remote_paths_are_quoted_for_the_shell() {
    assert_eq!(
        dir_upload::unpack_command(Path::new("/var/lib/docker/containers/abc/checkpoints"))
            .expect("ok"),
        "mkdir -p -- /var/lib/docker/containers/abc/checkpoints && exec tar -x -f - -C /var/lib/docker/containers/abc/checkpoints"
    );
    let odd = dir_upload::unpack_command(Path::new("/data root/it's")).expect("ok");
    assert!(!odd.contains("/data root/it's "), "quoted: {odd}");
    assert_eq!(
        shlex::split(&odd).expect("a shell line")[3],
        "/data root/it's"
    );
}

#[test]
fn ssh_failures_become_errors_that_say_what_to_do() {
    let access = Access::new(Destination::parse("root@h:2222").expect("ok"));
    let cases = [
        ("root@h: Permission denied (publickey).", "authorized_keys"),
        ("Host key verification failed.", "ssh -p 2222 root@h"),
        (
            "ssh: connect to host h port 2222: Connection refused",
            "is sshd running",
        ),
        (
            "tar: /x: Cannot open: No such file or directory",
            "Cannot open",
        ),
        ("", "exited with 2"),
    ];
    for (stderr, says) in cases {
        let e = classify(&access, "receive", stderr, Some(2)).to_string();
        assert!(e.contains(says), "{stderr}: {e}");
        assert!(e.contains("root@h:2222"), "names the destination: {e}");
    }
    let noisy = "Warning: Permanently added '[h]:2222' (ED25519) to the list of known hosts.\nboom";
    assert_eq!(tail(noisy), "boom");
}

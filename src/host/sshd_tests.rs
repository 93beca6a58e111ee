use super::*;
use crate::ssh::{self, SshError, Tunnel};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn sample() -> Files {
    Files::in_dir(PathBuf::from("/var/lib/migbench/hosts/h1/ssh"))
}

#[test]
fn the_config_lets_in_one_key_and_forwards_only_locally() {
    let text = config_text(&sample(), IpAddr::V4(Ipv4Addr::LOCALHOST), 2222);
    let lines: Vec<&str> = text.lines().collect();
    for expected in [
        "ListenAddress 127.0.0.1:2222",
        "HostKey /var/lib/migbench/hosts/h1/ssh/host_ed25519",
        "AuthorizedKeysFile /var/lib/migbench/hosts/h1/ssh/authorized_keys",
        "AllowUsers root",
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "AllowTcpForwarding local",
        "AllowStreamLocalForwarding local",
        "AllowAgentForwarding no",
    ] {
        assert!(lines.contains(&expected), "{expected} in:\n{text}");
    }
    // Only key authentication and strict modes are switched on.
    let on: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.ends_with(" yes"))
        .collect();
    assert_eq!(on, ["PubkeyAuthentication yes", "StrictModes yes"]);
    let v6 = config_text(&sample(), "fd00::2".parse().expect("v6"), 22);
    assert!(v6.contains("ListenAddress [fd00::2]:22\n"), "{v6}");
}

#[test]
fn the_one_key_is_restricted_and_sshd_runs_in_the_foreground() {
    assert_eq!(
        authorized_line("ssh-ed25519 AAAAC3Nza migbench-h1\n"),
        "restrict,port-forwarding ssh-ed25519 AAAAC3Nza migbench-h1\n"
    );
    let files = sample();
    assert_eq!(
        command(&files),
        "/usr/sbin/sshd -D -f /var/lib/migbench/hosts/h1/ssh/sshd_config -E /var/lib/migbench/hosts/h1/ssh/sshd.log"
    );
}

/// An HTTP answer to every connection, like an engine's socket.
fn serve_http(socket: &Path) -> tokio::task::JoinHandle<()> {
    let listener = tokio::net::UnixListener::bind(socket).expect("bind");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = [0u8; 256];
            let _ = stream.read(&mut request).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
                .await;
        }
    })
}

/// A real sshd on loopback, made as an emulated host's is (needs root and
/// OpenSSH's server; no engine): a directory streams through it into a
/// remote one, a socket is forwarded, and each failure says what it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_sshd_takes_uploads_and_forwards_sockets() {
    std::fs::create_dir_all("/var/lib/migbench").expect("state dir");
    // Not under /tmp: sshd's StrictModes refuses a key below a world-writable directory.
    let base = tempfile::Builder::new()
        .prefix("sshd-test-")
        .tempdir_in("/var/lib/migbench")
        .expect("temp dir");
    let files = Files::in_dir(base.path().join("ssh"));
    let address = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let port = free_port(address).expect("port");
    prepare(&files, "migbench-test", address, port).expect("keys and config");
    let sshd = Killed(
        Command::new(SSHD)
            .args(["-D", "-f"])
            .arg(&files.config)
            .arg("-E")
            .arg(&files.log)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("sshd starts"),
    );
    assert!(
        greets(SocketAddr::new(address, port), sshd.0.id()),
        "sshd listens: {}",
        std::fs::read_to_string(&files.log).unwrap_or_default()
    );
    let access = Access {
        destination: destination(address, port),
        identity: Some(files.client_key.clone()),
        known_hosts: Some(files.known_hosts.clone()),
    };

    // A checkpoint-like directory streams into a store that does not exist yet.
    let checkpoint = base.path().join("c1");
    std::fs::create_dir_all(&checkpoint).expect("dir");
    let pages: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(checkpoint.join("pages-1.img"), &pages).expect("pages");
    std::fs::write(checkpoint.join("core-1.img"), b"core").expect("core");
    let store = base.path().join("data/containers/abc/checkpoints");
    let marker = vec![("migbench-clone".to_string(), b"abc".to_vec())];
    let bytes = ssh::upload_dir(&access, &checkpoint, "c1", marker, &store)
        .await
        .expect("upload");
    assert!(
        bytes > pages.len() as u64,
        "the stream counts the data: {bytes}"
    );
    assert_eq!(
        std::fs::read(store.join("c1/pages-1.img")).expect("sent"),
        pages
    );
    assert_eq!(
        std::fs::read(store.join("c1/migbench-clone")).expect("marked"),
        b"abc"
    );
    ssh::probe_dir(&access, &store)
        .await
        .expect("the store is there");
    let missing = ssh::probe_dir(&access, &base.path().join("nope")).await;
    assert!(
        matches!(&missing, Err(SshError::Failed { detail, .. }) if detail.contains("not a writable directory")),
        "{missing:?}"
    );

    // A socket there answers through the tunnel; the tunnel ends with its handle.
    let socket = base.path().join("engine.sock");
    let server = serve_http(&socket);
    let tunnel = match Tunnel::open(&access, &socket).await {
        Ok(tunnel) => tunnel,
        Err(e) => panic!(
            "tunnel: {e}\n{}",
            std::fs::read_to_string(&files.log).unwrap_or_default()
        ),
    };
    let (pid, local) = (tunnel.pid(), tunnel.local_endpoint());
    let local_dir = PathBuf::from(local.trim_start_matches("unix://"))
        .parent()
        .expect("dir")
        .to_path_buf();
    let mode = std::fs::metadata(&local_dir)
        .expect("dir")
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o700,
        "only root reaches the forwarded engine"
    );
    assert!(tunnel.exited().is_none());
    drop(tunnel);
    assert!(!process::is_alive(pid), "the tunnel process is gone");
    assert!(!local_dir.exists(), "its directory is gone");
    server.abort();

    let wrong = Tunnel::open(&access, &base.path().join("no.sock")).await;
    assert!(
        matches!(wrong, Err(SshError::SocketSilent { .. })),
        "{:?}",
        wrong.err()
    );

    // Another key is refused; an unknown host key too.
    let stranger = base.path().join("stranger");
    keygen(&stranger, "stranger").expect("key");
    let refused = ssh::probe_dir(
        &Access {
            identity: Some(stranger),
            ..access.clone()
        },
        &store,
    )
    .await;
    assert!(
        matches!(refused, Err(SshError::NoKey { .. })),
        "{refused:?}"
    );
    let empty = base.path().join("empty_known_hosts");
    std::fs::write(&empty, "").expect("file");
    let unknown = ssh::probe_dir(
        &Access {
            known_hosts: Some(empty),
            ..access.clone()
        },
        &store,
    )
    .await;
    assert!(
        matches!(unknown, Err(SshError::HostKeyUnknown { .. })),
        "{unknown:?}"
    );

    let log = std::fs::read_to_string(&files.log).expect("sshd log");
    assert!(log.contains("Accepted publickey for root"), "{log}");
    drop(sshd);
}

/// A child killed (and reaped) when the test ends, panicking or not.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

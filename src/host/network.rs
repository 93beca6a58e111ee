//! An emulated host's own network: a namespace `migbench-<host>`
//! (`/run/netns/migbench-<host>`), a veth pair to this machine's namespace
//! with addresses from a /24 migbench owns (see `subnet`), and `tbf` shaping
//! on both ends of the link, so that whatever crosses it (the engine's API,
//! a Podman checkpoint archive) crosses at the chosen bandwidth. The host's
//! engine runs inside the namespace (entered with `nsenter --net`, which
//! changes nothing else) and serves its API over plain TCP on the host's
//! address only: no other machine can reach that address (README, "Hosts
//! with their own network").

mod link_state;
mod subnet;

pub use link_state::describe as describe_link;
pub use subnet::{choose as choose_subnet, Prefix, RANGE as SUBNET_RANGE};

use super::host_error::HostError;
pub use super::state::HostNetwork;
use super::state::NETNS_DIR;
use super::tools::{run, PATH};
use std::net::Ipv4Addr;
use std::process::Command;

/// Prefix of every namespace migbench creates (`migbench-<host>`).
pub const NETNS_PREFIX: &str = "migbench-";
/// Prefix of the machine's end of a host's link (`mbv<host>`: at most 15 bytes).
pub const LINK_PREFIX: &str = "mbv";
/// tbf's queueing bound: a packet that would wait longer is dropped, so TCP
/// sees the link's rate (measured: a 20 MB body took 1.68 s at 100 mbit/s).
const TBF_LATENCY: &str = "50ms";
/// The burst is this long at the link's rate...
const BURST_MS: u64 = 10;
/// ...and never below this.
const MIN_BURST_BYTES: u64 = 64 * 1024;

/// tbf's burst for a link of `bits_per_s`: 10 ms of the rate, at least 64 KiB.
/// tbf refills its bucket from a timer: a bucket smaller than what the rate
/// brings in between two timer runs (1 to 10 ms with HZ from 1000 to 100)
/// caps the rate below the one asked for, and one below a 64 KiB segment
/// (veth offloads up to that size) makes tbf split every segment. A larger
/// burst lets that much pass at once above the rate: at most 10 ms of it,
/// which a transfer of seconds does not see.
pub fn burst_bytes(bits_per_s: u64) -> u64 {
    (bits_per_s / 8 * BURST_MS / 1000).max(MIN_BURST_BYTES)
}

/// The machine-wide claim on choosing a subnet, held from the choice until
/// the subnet's addresses exist (an exclusive `flock`, released when dropped,
/// and by the kernel if the process dies).
pub struct SubnetClaim {
    /// Holding it open holds the lock.
    _locked: std::fs::File,
}

impl SubnetClaim {
    /// Waits for and takes the claim; a wait is said (with the pid of the
    /// migbench holding it), so a second run does not seem to hang.
    pub fn take() -> Result<SubnetClaim, HostError> {
        let path = std::path::Path::new(super::state::RUN_DIR).join("subnet.lock");
        let file = std::fs::create_dir_all(super::state::RUN_DIR)
            .and_then(|()| {
                std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&path)
            })
            .map_err(super::host_error::io_error(
                "cannot open the subnet claim",
                &path,
            ))?;
        let lock_error = |e: rustix::io::Errno| HostError::Io {
            what: "cannot take the subnet claim".into(),
            path: path.clone(),
            source: e.into(),
        };
        use rustix::fs::FlockOperation::{LockExclusive, NonBlockingLockExclusive};
        match rustix::fs::flock(&file, NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                tracing::warn!(
                    "waiting for the subnet claim ({}): migbench pid {} is bringing a host up",
                    path.display(),
                    holder.trim()
                );
                let waited = std::time::Instant::now();
                rustix::fs::flock(&file, LockExclusive).map_err(lock_error)?;
                tracing::warn!(
                    "took the subnet claim after waiting {:.1} s",
                    waited.elapsed().as_secs_f64()
                );
            }
            Err(e) => return Err(lock_error(e)),
        }
        // Who holds it, for whoever waits next.
        let _ = file.set_len(0).and_then(|()| {
            std::io::Write::write_all(&mut &file, std::process::id().to_string().as_bytes())
        });
        Ok(SubnetClaim { _locked: file })
    }
}

/// The network host `name` would get: a free subnet (checked against this
/// machine's addresses and routes), its names and its shaping. Nothing is created.
pub fn plan(name: &str, bits_per_s: u64) -> Result<HostNetwork, HostError> {
    let taken = subnet::taken_here()?;
    let subnet = subnet::choose(name, &taken).ok_or_else(|| {
        HostError::Network(format!(
            "no free /{} left in {} for host '{name}': every one overlaps an address or a \
             route of this machine (`ip -4 route show table all`); remove what uses that \
             range, or hosts left behind (`migbench clean`)",
            subnet::SUBNET_LEN,
            subnet::RANGE
        ))
    })?;
    Ok(HostNetwork {
        netns: format!("{NETNS_PREFIX}{name}"),
        address: subnet.address(2),
        peer_address: subnet.address(1),
        prefix_len: subnet.len,
        root_link: format!("{LINK_PREFIX}{name}"),
        host_link: format!("mbn{name}"),
        bandwidth_bits_per_s: bits_per_s,
        burst_bytes: burst_bytes(bits_per_s),
    })
}

/// Creates the namespace, the link with its addresses, and the shaping on
/// both ends. On failure, whatever was created is left to [`remove`] (the
/// caller tears the whole host down).
pub fn create(net: &HostNetwork) -> Result<(), HostError> {
    let ns = net.netns.as_str();
    let (root, inner) = (net.root_link.as_str(), net.host_link.as_str());
    let cidr = |address: Ipv4Addr| format!("{address}/{}", net.prefix_len);
    let rate = format!("{}bit", net.bandwidth_bits_per_s);
    let burst = net.burst_bytes.to_string();
    let tbf = [
        "root",
        "tbf",
        "rate",
        &rate,
        "burst",
        &burst,
        "latency",
        TBF_LATENCY,
    ];
    run("ip", &["netns", "add", ns])?;
    run(
        "ip",
        &[
            "link", "add", root, "type", "veth", "peer", "name", inner, "netns", ns,
        ],
    )?;
    run("ip", &["addr", "add", &cidr(net.peer_address), "dev", root])?;
    run("ip", &["link", "set", root, "up"])?;
    run(
        "ip",
        &["-n", ns, "addr", "add", &cidr(net.address), "dev", inner],
    )?;
    run("ip", &["-n", ns, "link", "set", inner, "up"])?;
    run("ip", &["-n", ns, "link", "set", "lo", "up"])?;
    run(
        "tc",
        &[&["qdisc", "add", "dev", root][..], &tbf[..]].concat(),
    )?;
    run(
        "tc",
        &[&["-n", ns, "qdisc", "add", "dev", inner][..], &tbf[..]].concat(),
    )
}

fn link_exists(link: &str) -> bool {
    std::path::Path::new("/sys/class/net").join(link).exists()
}

/// Removes the link (both ends and their qdiscs go with it) and the
/// namespace. Every process in the namespace must have ended first (the
/// host's cgroup sweep): a namespace still held by one outlives its name.
pub fn remove(net: &HostNetwork) -> Result<(), HostError> {
    remove_named(&net.root_link, &net.netns)
}

fn remove_named(root_link: &str, netns: &str) -> Result<(), HostError> {
    let mut first_error = None;
    if link_exists(root_link) {
        first_error = run("ip", &["link", "del", root_link]).err();
    }
    if std::path::Path::new(NETNS_DIR).join(netns).exists() {
        if let Err(e) = run("ip", &["netns", "del", netns]) {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Names of hosts with a namespace or a link of migbench's on this machine.
fn hosts_with_network() -> Vec<String> {
    let named = |dir: &str, prefix: &str| -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().to_string();
                        name.strip_prefix(prefix).map(str::to_string)
                    })
                    .filter(|host| super::state::check_name(host).is_ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut hosts = named(NETNS_DIR, NETNS_PREFIX);
    hosts.extend(
        named("/sys/class/net", LINK_PREFIX)
            .into_iter()
            .filter(|host| is_veth(&format!("{LINK_PREFIX}{host}"))),
    );
    hosts.sort();
    hosts.dedup();
    hosts
}

/// Whether `link` is a veth (a link of that name of another kind is not ours).
fn is_veth(link: &str) -> bool {
    Command::new("ip")
        .args(["-j", "-d", "link", "show", "dev", link])
        .env("PATH", PATH)
        .output()
        .ok()
        .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
        .is_some_and(|v| v[0]["linkinfo"]["info_kind"] == "veth")
}

/// Removes namespaces and links of hosts whose state is gone, except those
/// `keep` names (a run still going); returns one line per host.
pub fn remove_orphans(keep: impl Fn(&str) -> bool) -> Vec<String> {
    hosts_with_network()
        .into_iter()
        .filter(|host| !keep(host))
        .filter(|host| matches!(super::HostState::load(host), Ok(None)))
        .map(|host| {
            let removed = remove_named(
                &format!("{LINK_PREFIX}{host}"),
                &format!("{NETNS_PREFIX}{host}"),
            );
            match removed {
                Ok(()) => format!("network of host '{host}' (its state gone) removed"),
                Err(e) => format!("network of host '{host}': {e}"),
            }
        })
        .collect()
}

/// What a host's network needs on this machine that is missing: `ip`, `tc`, `nsenter`.
pub fn missing_tools() -> Vec<&'static str> {
    ["ip", "tc", "nsenter"]
        .into_iter()
        .filter(|tool| {
            !PATH
                .split(':')
                .any(|dir| std::path::Path::new(dir).join(tool).is_file())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn the_burst_is_ten_ms_of_the_rate_and_never_below_64_kib() {
        assert_eq!(burst_bytes(1_000_000_000), 1_250_000);
        assert_eq!(burst_bytes(100_000_000), 125_000);
        assert_eq!(burst_bytes(20_000_000), 64 * 1024);
        assert_eq!(burst_bytes(1_000_000), 64 * 1024);
    }

    #[test]
    fn names_fit_the_kernel_limits() {
        let longest = "abcdefghijkl";
        let net = HostNetwork {
            netns: format!("{NETNS_PREFIX}{longest}"),
            address: Ipv4Addr::LOCALHOST,
            peer_address: Ipv4Addr::LOCALHOST,
            prefix_len: 24,
            root_link: format!("{LINK_PREFIX}{longest}"),
            host_link: format!("mbn{longest}"),
            bandwidth_bits_per_s: 1,
            burst_bytes: 1,
        };
        // IFNAMSIZ is 16 with its NUL.
        assert!(net.root_link.len() <= 15 && net.host_link.len() <= 15);
        assert_eq!(
            net.netns_path(),
            PathBuf::from("/run/netns/migbench-abcdefghijkl")
        );
    }
}

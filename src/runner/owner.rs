//! Which runs are still going. A run id (`<name>-<UTC time>-<pid>[-n]`) and
//! the name of the host a run brings up (`r<pid in hex>`) carry the pid of the
//! migbench process that made them, so `migbench clean` can leave a live run
//! alone while it removes what dead ones left.

/// The run id for attempt `attempt` (a second run of the same name in the same
/// second and results directory gets `-1`, `-2`...).
pub fn run_id(name: &str, stamp: &str, attempt: u32) -> String {
    match attempt {
        0 => format!("{name}-{stamp}-{}", std::process::id()),
        n => format!("{name}-{stamp}-{}-{n}", std::process::id()),
    }
}

/// The name of the emulated host this process brings up for its run's
/// target `target` (`r<pid>`; in a fleet `r<pid>-<target>`, from 1).
pub fn host_name(target: usize, fleet: bool) -> String {
    match fleet {
        false => format!("r{:x}", std::process::id()),
        true => format!("r{:x}-{}", std::process::id(), target + 1),
    }
}

/// The pid of the live migbench process running `run_id`, if it is still going.
pub fn live_run_owner(run_id: &str) -> Option<u32> {
    let segments: Vec<&str> = run_id.split('-').collect();
    let stamp = segments.iter().rposition(|s| is_stamp(s))?;
    let pid = segments.get(stamp + 1)?.parse().ok()?;
    is_live_migbench(pid).then_some(pid)
}

/// The pid of the live migbench process whose run brought host `name` up, if any.
pub fn live_host_owner(name: &str) -> Option<u32> {
    let owner = name.strip_prefix('r')?;
    // A fleet's hosts carry their target's number after the pid.
    let owner = owner.split_once('-').map_or(owner, |(pid, _)| pid);
    let pid = u32::from_str_radix(owner, 16).ok()?;
    is_live_migbench(pid).then_some(pid)
}

/// `20261124T233428Z`.
fn is_stamp(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    bytes.len() == 16
        && bytes[8] == b'T'
        && bytes[15] == b'Z'
        && bytes[..8]
            .iter()
            .chain(&bytes[9..15])
            .all(u8::is_ascii_digit)
}

/// A pid is reused by any process; only a migbench binary counts as the owner.
fn is_live_migbench(pid: u32) -> bool {
    pid != std::process::id()
        && std::fs::read_link(format!("/proc/{pid}/exe"))
            .ok()
            .and_then(|exe| exe.file_name().map(|n| n.to_string_lossy().into_owned()))
            .is_some_and(|name| name.starts_with("migbench"))
}

#[cfg(test)]
mod tests {
    use super::{is_stamp, live_host_owner, live_run_owner};

    #[test]
    fn run_ids_and_host_names_of_dead_processes_have_no_live_owner() {
        assert!(is_stamp("20261124T233428Z"));
        assert!(!is_stamp("2026112XT233428Z") && !is_stamp("c8"));
        // pid 1 is never migbench; ids without a stamp or pid have no owner.
        assert_eq!(live_run_owner("lab-400-20261124T211117Z-1"), None);
        assert_eq!(live_run_owner("no-stamp-here"), None);
        assert_eq!(live_host_owner("r1"), None);
        let me = super::host_name(2, true);
        assert!(me.ends_with("-3") && me.len() <= 12, "{me}");
        assert!(me.starts_with(&super::host_name(0, false)), "{me}");
        assert_eq!(live_host_owner("r1-2"), None);
        assert_eq!(live_host_owner("lab"), None);
    }
}

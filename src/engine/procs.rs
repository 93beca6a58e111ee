//! Processes of this machine by command line, from /proc: for ending what an
//! engine cannot end itself (a CRIU restore that never returns).

use std::collections::HashMap;

/// Every process: pid -> (parent pid, arguments).
fn processes() -> HashMap<i32, (i32, Vec<String>)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return HashMap::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let ppid = crate::process::stat(u32::try_from(pid).ok())?.ppid;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args = cmdline
                .split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            Some((pid, (ppid, args)))
        })
        .collect()
}

/// SIGKILLs every process whose arguments match, with all its descendants;
/// returns how many were killed.
pub fn kill_tree(matches: impl Fn(&[String]) -> bool) -> usize {
    let all = processes();
    let mut doomed: Vec<i32> = all
        .iter()
        .filter(|(_, (_, args))| matches(args))
        .map(|(pid, _)| *pid)
        .collect();
    let mut next = 0;
    while next < doomed.len() {
        let parent = doomed[next];
        doomed.extend(
            all.iter()
                .filter(|(pid, (ppid, _))| *ppid == parent && !doomed.contains(pid))
                .map(|(pid, _)| *pid)
                .collect::<Vec<_>>(),
        );
        next += 1;
    }
    // All pinned before any is signalled, so none is missed when a parent
    // exits or a child is reparented meanwhile; each is signalled only if it is
    // still the process seen above (same start time), not a reuse of its pid.
    let seen: std::collections::HashMap<u32, u64> = doomed
        .iter()
        .filter_map(|pid| {
            let pid = u32::try_from(*pid).ok()?;
            Some((pid, crate::process::start_ticks(pid)?))
        })
        .collect();
    let pids: Vec<u32> = doomed
        .iter()
        .filter_map(|pid| u32::try_from(*pid).ok())
        .collect();
    crate::process::signal_all_if(&pids, libc::SIGKILL, |pid| {
        seen.get(&pid)
            .is_some_and(|ticks| crate::process::start_ticks(pid) == Some(*ticks))
    })
}

#[cfg(test)]
mod tests {
    use super::kill_tree;

    #[test]
    fn a_process_tree_is_killed_whole() {
        let marker = format!("migbench-kill-tree-{}", std::process::id());
        // A shell whose child sleeps: both must go.
        let mut shell = std::process::Command::new("sh")
            .args(["-c", "sleep 300 & wait", &marker])
            .spawn()
            .expect("sh");
        let shell_pid = shell.id() as i32;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !super::processes()
            .values()
            .any(|(ppid, _)| *ppid == shell_pid)
        {
            assert!(std::time::Instant::now() < deadline, "sleep never started");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let killed = kill_tree(|args| args.iter().any(|a| a == &marker));
        assert_eq!(killed, 2, "the shell and its sleep");
        let status = shell.wait().expect("wait");
        assert!(!status.success());
        assert_eq!(kill_tree(|args| args.iter().any(|a| a == &marker)), 0);
    }
}

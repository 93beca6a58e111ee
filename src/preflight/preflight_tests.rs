//! Budgets against this machine (2 cores, 24 GiB, ~70 GB free when written;
//! each case asks far beyond any such machine, or for nothing at all).

use super::*;

fn scenario(extra: &str) -> Scenario {
    let containers = if extra.contains("containers") {
        ""
    } else {
        "containers = 2\n"
    };
    let text = format!("name = \"p\"\n{containers}{extra}\n");
    Scenario::parse(Path::new("p.toml"), &text, &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn refused(extra: &str) -> String {
    let e = check_scenario(Path::new("p.toml"), &scenario(extra))
        .expect_err("beyond this machine")
        .to_string();
    assert!(e.starts_with("scenario 'p.toml': "), "{e}");
    assert!(e.len() < 2048, "{e}");
    e
}

#[test]
fn a_small_scenario_fits() {
    check_scenario(Path::new("p.toml"), &scenario("")).expect("fits");
    let emulated =
        scenario("[target]\nemulate = { memory = \"256MiB\", swap = \"128MiB\", cpus = 1 }");
    check_scenario(Path::new("p.toml"), &emulated).expect("fits");
}

#[test]
fn a_swap_file_larger_than_the_disk_is_refused() {
    let e = refused("[target]\nemulate = { memory = \"2GiB\", swap = \"1TiB\" }");
    assert!(
        e.contains("target.emulate.swap = 1.0 TiB: the swap file (1.0 TiB) would go on the filesystem of '/var/lib/migbench/swap', which has "),
        "{e}"
    );
    assert!(e.contains("kept free: 1.0 GiB + 5 % of its size"), "{e}");
    assert!(
        e.ends_with("lower target.emulate.swap or free disk space"),
        "{e}"
    );
}

#[test]
fn memory_beyond_the_ram_and_cpus_beyond_the_cores_are_refused() {
    let e = refused("[target]\nemulate = { memory = \"1TiB\", cpus = 64 }");
    assert!(
        e.contains("target.emulate.memory = 1.0 TiB: this machine has"),
        "{e}"
    );
    assert!(e.contains("of RAM: lower target.emulate.memory"), "{e}");
    assert!(
        e.contains(&format!(
            "target.emulate.cpus = 64: this machine has {} cores",
            machine::cores()
        )),
        "{e}"
    );
}

#[test]
fn checkpoints_larger_than_their_filesystem_are_refused() {
    let e = refused("containers = 10000\n[workload]\nmemory_mib = 65536");
    assert!(
        e.contains("containers = 10000 x (workload.memory_mib = 65536 + 4 MiB): their checkpoints"),
        "{e}"
    );
    assert!(e.contains("'/var/lib/migbench/checkpoints'"), "{e}");
    // A filesystem with no room at all.
    let e = refused("[transfer]\ncheckpoint_dir = \"/proc/migbench\"");
    assert!(
        e.contains("on the filesystem of '/proc/migbench', which has 0 B free"),
        "{e}"
    );
}

#[test]
fn uses_of_one_filesystem_add_up() {
    // A filesystem nothing else writes to while the test runs (runs and
    // builds fill /tmp and the root filesystem).
    let space = FsSpace::of(Path::new("/dev")).expect("/dev");
    let half = space.usable_bytes() / 2 + 1;
    let at = |asked: &str, field: &str| DiskUse {
        path: PathBuf::from("/dev"),
        bytes: half,
        asked: asked.into(),
        what: "x".into(),
        fields: vec![field.into(), "containers".into()],
    };
    assert!(disk_problems(vec![at("a", "a")]).is_empty(), "half fits");
    let problems = disk_problems(vec![at("a", "a"), at("b", "b")]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("a and b: x ("), "{problems:?}");
    assert!(problems[0].contains(") would need "), "{problems:?}");
    assert!(
        problems[0].ends_with("lower a or containers or b or free disk space"),
        "{problems:?}"
    );
}

#[test]
fn host_up_budgets_name_their_flags() {
    let spec = |memory_bytes: u64, cpus: Option<f64>| HostSpec {
        name: "lab".into(),
        memory_bytes,
        swap_bytes: 0,
        cpus,
        os_reserve_bytes: 0,
        ssh: false,
        bandwidth_bits_per_s: None,
    };
    let e = check_host(&spec(1 << 40, None))
        .expect_err("1 TiB")
        .to_string();
    assert!(
        e.starts_with("host 'lab': --memory = 1.0 TiB: this machine has"),
        "{e}"
    );
    let e = check_host(&spec(1 << 30, Some(f64::NAN)))
        .expect_err("NaN")
        .to_string();
    assert!(e.contains("--cpus: must be above 0"), "{e}");
    check_host(&spec(256 << 20, Some(0.5))).expect("fits");
}

#[test]
fn an_os_reserve_is_held_inside_the_memory() {
    let e = refused("[target]\nemulate = { memory = \"512MiB\", os_reserve = \"512MiB\" }");
    assert!(
        e.contains("target.emulate.os_reserve = 512.0 MiB: the OS reserve is held inside target.emulate.memory = 512.0 MiB"),
        "{e}"
    );
    let fits = scenario("[target]\nemulate = { memory = \"2GiB\", os_reserve = \"512MiB\" }");
    check_scenario(Path::new("p.toml"), &fits).expect("a reserve below the memory fits");
}

/// A fleet of `sizes.len()` targets named a, b, c..., each emulating `emulate`
/// with its memory set from `sizes` (MiB).
fn fleet(sizes: &[u64], emulate: &str) -> Scenario {
    let mut text = String::from("[source]\nengine = \"runc\"\n");
    for (name, mib) in ('a'..).zip(sizes) {
        text.push_str(&format!(
            "[[targets]]\nname = \"{name}\"\nemulate = {{ memory = \"{mib}MiB\"{emulate} }}\n"
        ));
    }
    scenario(&text)
}

fn refused_fleet(sizes: &[u64]) -> String {
    let e = check_scenario(Path::new("p.toml"), &fleet(sizes, ""))
        .expect_err("beyond this machine")
        .to_string();
    assert!(e.len() < 2048, "{e}");
    e
}

#[test]
fn a_fleet_s_memory_adds_up_against_the_ram() {
    // Each target 40 % of this machine's RAM: each fits, three do not.
    let ram = machine::ram_bytes();
    let each = (ram / 5 * 2) >> 20;
    check_scenario(Path::new("p.toml"), &fleet(&[each], "")).expect("one alone fits");
    check_scenario(Path::new("p.toml"), &fleet(&[each, each], "")).expect("two fit");
    let e = refused_fleet(&[each, each, each]);
    let size = ByteSize(each << 20);
    assert!(
        e.contains(&format!(
            "targets 'a', 'b', 'c': memory 3 x {size} = {} exceeds this machine's {} of RAM",
            ByteSize(3 * (each << 20)),
            ByteSize(ram)
        )),
        "{e}"
    );
    assert!(
        e.contains("lower targets.a.emulate.memory or targets.b.emulate.memory or targets.c.emulate.memory, or emulate fewer targets"),
        "{e}"
    );
    // Sizes that differ are each shown.
    let e = refused_fleet(&[each, each + 1, each]);
    assert!(
        e.contains(&format!(
            "memory {size} + {} + {size} = ",
            ByteSize((each + 1) << 20)
        )),
        "{e}"
    );
}

#[test]
fn a_fleet_target_beyond_the_machine_alone_is_named_alone() {
    let e = refused_fleet(&[256, 1 << 30]);
    assert!(
        e.contains("targets.b.emulate.memory = 1.0 PiB: this machine has"),
        "{e}"
    );
    assert!(!e.contains("targets 'a', 'b'"), "no sum besides: {e}");
}

#[test]
fn each_fleet_target_s_cpus_fit_the_cores_but_their_sum_need_not() {
    let cores = machine::cores();
    let cpus = format!(", cpus = {cores}");
    check_scenario(Path::new("p.toml"), &fleet(&[256, 256, 256], &cpus))
        .expect("quotas share the cores");
    let too_many = scenario(&format!(
        "[source]\nengine = \"runc\"\n\
         [[targets]]\nname = \"a\"\nemulate = {{ memory = \"256MiB\", cpus = {} }}\n\
         [[targets]]\nname = \"b\"\nemulate = {{ memory = \"256MiB\" }}\n",
        cores + 1
    ));
    let e = check_scenario(Path::new("p.toml"), &too_many)
        .expect_err("more than the cores")
        .to_string();
    assert!(
        e.contains(&format!(
            "targets.a.emulate.cpus = {}: this machine has {cores} cores",
            cores + 1
        )),
        "{e}"
    );
}

#[test]
fn a_fleet_s_swap_files_add_up_on_their_filesystem() {
    let Some(space) = FsSpace::of(Path::new(host::SWAP_DIR)) else {
        return;
    };
    // Each 40 % of what the filesystem can take: each fits, three do not.
    let each = (space.usable_bytes() / 5 * 2) >> 20;
    let swap = format!(", swap = \"{each}MiB\"");
    let e = check_scenario(Path::new("p.toml"), &fleet(&[256, 256, 256], &swap))
        .expect_err("three swap files exceed the disk")
        .to_string();
    assert!(
        e.contains(&format!(
            "targets 'a', 'b', 'c': swap 3 x {} = ",
            ByteSize(each << 20)
        )),
        "{e}"
    );
    assert!(e.contains("their swap files ("), "{e}");
    assert!(
        e.contains(
            "lower targets.a.emulate.swap or targets.b.emulate.swap or targets.c.emulate.swap"
        ),
        "{e}"
    );
}

#[test]
fn a_large_fleet_is_named_in_part() {
    // Twelve targets of a tenth of the RAM each.
    let each = (machine::ram_bytes() / 10) >> 20;
    let e = refused_fleet(&[each; 12]);
    assert!(e.contains("'j', and 2 more: memory 12 x "), "{e}");
    assert!(
        e.contains("lower targets.NAME.emulate.memory, or emulate fewer targets"),
        "{e}"
    );
}

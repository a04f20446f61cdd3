//! Tests: spec files — what they accept, and errors that point into the YAML.

use std::path::Path;

use harness::Spec;

fn parse(text: &str) -> Result<Spec, harness::spec::SpecError> {
    Spec::parse(Path::new("specs/x.yaml"), text)
}

const GOOD: &str = "program: [../protocols/simple_broadcast.ded]\nnodes: [a, b, c]\neot: 4\neff: 2\ncrashes: 0\nexpect: violated\n";

#[test]
fn a_spec_resolves_programs_relative_to_itself() {
    let spec = parse(GOOD).unwrap();
    assert_eq!(
        spec.program,
        vec![Path::new("protocols/simple_broadcast.ded").to_path_buf()]
    );
    assert_eq!(spec.space.max_delay, 0);
    assert_eq!(spec.expect, Some(harness::Expect::Violated));
}

#[test]
fn unknown_keys_are_errors_with_their_location() {
    let err = parse(&format!("{GOOD}crashs: 1\n")).unwrap_err();
    assert!(err.message.contains("crashs"), "{err}");
    assert_eq!(err.location.map(|l| l.0), Some(7), "{err}");
    assert!(err.to_string().contains("specs/x.yaml:7:"), "{err}");
}

#[test]
fn impossible_bounds_point_at_the_key() {
    let err = parse(&GOOD.replace("eff: 2", "eff: 5")).unwrap_err();
    assert!(
        err.message.contains("EFF (5) may not exceed EOT (4)"),
        "{err}"
    );
    assert_eq!(err.location, Some((4, 1)));
    let err = parse(&GOOD.replace("crashes: 0", "crashes: 4")).unwrap_err();
    assert!(err.message.contains("crashes (4)"), "{err}");
    assert_eq!(err.location, Some((5, 1)));
    let err = parse(&GOOD.replace("nodes: [a, b, c]", "nodes: [a, a]")).unwrap_err();
    assert!(err.message.contains("listed twice"), "{err}");
}

#[test]
fn bad_values_are_errors_not_panics() {
    for bad in [
        GOOD.replace("eot: 4", "eot: -1"),
        GOOD.replace("expect: violated", "expect: maybe"),
        GOOD.replace(
            "program: [../protocols/simple_broadcast.ded]",
            "program: []",
        ),
        "just text".to_string(),
        String::new(),
    ] {
        assert!(parse(&bad).is_err(), "accepted: {bad}");
    }
}

#[test]
fn a_node_used_as_a_location_must_be_listed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let text =
        "program: [../protocols/simple_broadcast.ded]\nnodes: [a, b]\neot: 4\neff: 2\ncrashes: 0\n";
    let spec = Spec::parse(&dir.join("two_nodes.yaml"), text).unwrap();
    let err = harness::target_of(&spec).unwrap_err().to_string();
    assert!(err.contains("node `c` is used as a location"), "{err}");
    assert!(err.contains("two_nodes.yaml:2:1"), "{err}");
}

#[test]
fn a_spec_may_bound_its_search_time() {
    let spec = parse(&format!("{GOOD}timeout: 2.5\n")).unwrap();
    assert_eq!(spec.timeout, Some(std::time::Duration::from_millis(2500)));
    assert_eq!(parse(GOOD).unwrap().timeout, None);
    for bad in ["0", "-1", "x"] {
        let e = parse(&format!("{GOOD}timeout: {bad}\n")).unwrap_err();
        assert!(e.to_string().contains("timeout"), "{bad}: {e}");
    }
}

//! Named pipes where files are expected: opening a FIFO blocks until a
//! writer comes, so a pipe in place of a program, an include, a spec, a
//! saved counterexample or a hunted `*.yaml` would hang `ldfi` (and a CI
//! job) forever. Each is refused at once with a located error.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cli::Scratch;

/// Runs `ldfi args...` in `dir`, killing it after 20 s (a hang is the bug
/// under test, so it must end the test, not stall it).
fn ldfi_bounded(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ldfi");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let out = child.wait_with_output().expect("output");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            return (status.code(), text);
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            return (None, "killed after 20 s: it hung".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", path.display());
}

#[test]
fn a_fifo_as_program_include_spec_or_hunted_yaml_is_refused_at_once() {
    let s = Scratch::new("fifos");
    s.write(
        "ok.ded",
        "p(N)@next :- p(N);\np(\"a\")@1;\npre(N) :- p(N);\npost(N) :- p(N);\n",
    );
    s.write(
        "inc.ded",
        "include \"pipe.ded\";\npre(N) :- q(N);\npost(N) :- q(N);\nq(\"a\")@1;\n",
    );
    s.write(
        "hunted/good.yaml",
        "program: [../ok.ded]\nnodes: [a]\neot: 2\n",
    );
    mkfifo(&s.path().join("pipe.ded"));
    mkfifo(&s.path().join("pipe.yaml"));
    mkfifo(&s.path().join("hunted/pipe.yaml"));

    let cases: [(&[&str], &str); 4] = [
        (
            &["run", "pipe.ded", "--nodes", "a", "--eot", "2"],
            "pipe.ded",
        ),
        (
            &["run", "inc.ded", "--nodes", "a", "--eot", "2"],
            "pipe.ded",
        ),
        (&["check", "pipe.yaml"], "pipe.yaml"),
        (&["hunt", "hunted"], "pipe.yaml"),
    ];
    for (args, named) in cases {
        let (code, out) = ldfi_bounded(s.path(), args);
        assert_eq!(code, Some(2), "ldfi {args:?}:\n{out}");
        assert!(out.contains("not a regular file"), "ldfi {args:?}:\n{out}");
        assert!(out.contains(named), "ldfi {args:?}:\n{out}");
    }
}

//! The exit codes of every `ldfi` command, in one place; `--help` lists
//! them (see [`status`]).

/// Success: the specification holds, the spec's `expect` is met, a repair
/// was verified, or there was nothing to do.
pub const OK: i32 = 0;

/// A finding: a counterexample, an expectation not met, no repair found.
pub const FAILED: i32 = 1;

/// An error, or a search that reached no verdict (inconclusive).
pub const ERROR: i32 = 2;

/// Stopped by Ctrl-C (128 + SIGINT, as shells do).
pub const INTERRUPTED: i32 = 130;

/// The `Exit status:` section of a command's help: each code with what it
/// means for that command, then Ctrl-C's.
pub fn status(codes: &[(i32, &str)]) -> String {
    let mut out = String::from("Exit status:\n");
    for (code, meaning) in codes
        .iter()
        .chain(&[(INTERRUPTED, "interrupted by Ctrl-C")])
    {
        out.push_str(&format!("  {code:<3}  {meaning}\n"));
    }
    out
}

/// `examples`, then the exit status section of `codes`.
pub fn help(examples: &str, codes: &[(i32, &str)]) -> String {
    format!("{examples}\n\n{}", status(codes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_section_lists_each_code_and_ctrl_c() {
        let s = status(&[(OK, "fine"), (ERROR, "broken")]);
        assert_eq!(
            s,
            "Exit status:\n  0    fine\n  2    broken\n  130  interrupted by Ctrl-C\n"
        );
    }
}

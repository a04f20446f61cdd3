//! The `ldfi` command: run, check, hunt, bench.
mod cli;

fn main() {
    std::process::exit(cli::main());
}

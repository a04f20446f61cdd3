//! The `ldfi` command: run, check, hunt, bench.(see `ldfi --help`).
mod cli;

fn main() {
    std::process::exit(cli::main());
}

//! `synack`: run packetdrill-style scripts against a TCP stack, check syntax.
//!
//! Exit status: 0 when every run passed (unsupported runs are listed, not failures), 1 when
//! any run failed or errored, 2 on usage errors and on scripts that do not parse.

mod cli;

fn main() {
    std::process::exit(cli::main());
}

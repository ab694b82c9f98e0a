//! `flow graph <execution-id>`: the definition of an execution, its states coloured by the
//! status of their steps.

use std::process::ExitCode;

use crate::cli::GraphArgs;

pub fn run(args: GraphArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`flow graph <execution-id>` is not implemented yet")
}

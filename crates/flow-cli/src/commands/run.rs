//! `flow run`.

use std::process::ExitCode;

use crate::cli::RunArgs;

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`flow run` is not implemented yet")
}

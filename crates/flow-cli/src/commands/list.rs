//! `flow list`.

use std::process::ExitCode;

use crate::cli::ListArgs;

pub fn run(args: ListArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`flow list` is not implemented yet")
}

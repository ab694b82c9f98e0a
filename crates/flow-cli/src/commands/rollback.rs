//! `flow rollback`.

use std::process::ExitCode;

use crate::cli::RollbackArgs;

pub fn run(args: RollbackArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`flow rollback` is not implemented yet")
}

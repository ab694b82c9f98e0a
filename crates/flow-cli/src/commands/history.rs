//! `flow history`.

use std::process::ExitCode;

use crate::cli::HistoryArgs;

pub fn run(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`flow history` is not implemented yet")
}

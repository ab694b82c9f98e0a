//! `flow resume`.

use std::process::ExitCode;

use crate::cli::ResumeArgs;

pub fn run(args: ResumeArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`flow resume` is not implemented yet")
}

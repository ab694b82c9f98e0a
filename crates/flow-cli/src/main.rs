//! `flow`: run, resume, roll back, inspect and validate workflows.
//!
//! Exit codes: 0 success, 1 the execution (or rollback) failed, 2 bad usage, definition or
//! input (nothing was started).

mod cli;
mod commands;
mod definition;
mod diagnostics;
mod execution;
mod faults;
mod report;
mod timestamps;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version are printed on stdout and succeed; usage errors exit 2.
            let _ = error.print();
            return if error.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match commands::run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            diagnostics::print_error(&error);
            ExitCode::from(2)
        }
    }
}

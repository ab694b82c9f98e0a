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
mod resources;
mod timestamps;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version are printed on stdout and succeed; usage errors exit 2.
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if !matches!(
        cli.command,
        cli::Command::Run(_) | cli::Command::Resume(_) | cli::Command::Rollback(_)
    ) {
        quiet_on_closed_pipe();
    }
    match commands::run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            diagnostics::print_error(&error);
            ExitCode::from(2)
        }
    }
}

/// The commands that only print (`flow list | head -1`) end quietly when their reader goes
/// away, as Unix tools do, instead of panicking on the failed write. The commands that drive
/// an execution keep Rust's default (SIGPIPE ignored): a closed pipe must not kill a run in
/// the middle of a step.
fn quiet_on_closed_pipe() {
    // SAFETY: restoring a signal's default disposition at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

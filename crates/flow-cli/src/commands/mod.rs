//! One module per subcommand; each returns the process exit code, or an error for bad usage or
//! input (which `main` reports and turns into exit code 2).

mod graph;
mod graph_execution;
mod history;
mod list;
mod resume;
mod rollback;
mod run;
mod status;
mod validate;

use std::process::ExitCode;

use crate::cli::Command;

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Run(args) => run::run(args),
        Command::Resume(args) => resume::run(args),
        Command::Rollback(args) => rollback::run(args),
        Command::Status(args) => status::run(args),
        Command::List(args) => list::run(args),
        Command::History(args) => history::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Graph(args) => graph::run(args),
    }
}

//! `flow rollback`: run the compensations of an execution's steps in reverse order.

use std::process::ExitCode;

use crate::cli::RollbackArgs;
use crate::execution;

pub fn run(args: RollbackArgs) -> anyhow::Result<ExitCode> {
    execution::check_aws_environment()?;
    let store = execution::open_for_reading(&args.state)?;
    let (engine, reporter) = execution::engine(store, args.output, &args.aws);
    let result = execution::drive(|interrupt| engine.rollback(&args.execution, interrupt))?;
    execution::finish(result, reporter.as_ref(), args.output)
}

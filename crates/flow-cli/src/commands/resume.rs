//! `flow resume`: finish an execution that failed or whose process died.

use std::process::ExitCode;

use crate::cli::ResumeArgs;
use crate::execution;

pub fn run(args: ResumeArgs) -> anyhow::Result<ExitCode> {
    execution::check_aws_environment()?;
    let store = execution::open_for_reading(&args.state)?;
    let (engine, reporter) = execution::engine(store, args.output, &args.aws);
    let result = execution::drive(|interrupt| engine.resume(&args.execution, interrupt))?;
    execution::finish(result, reporter.as_ref(), args.output)
}

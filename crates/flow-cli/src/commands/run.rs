//! `flow run`: validate the definition, create the execution, drive it to its end.

use std::process::ExitCode;

use std::sync::Arc;

use flow_engine::NewRun;

use crate::cli::RunArgs;
use crate::{definition, execution};

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    // Everything that can be wrong with the request is checked before the database is
    // touched: a bad definition or input starts nothing.
    let Some((text, machine)) = definition::load_text(&args.definition)? else {
        return Ok(ExitCode::from(2));
    };
    let input = execution::read_input(args.input.as_deref(), args.input_json.as_deref())?;
    execution::check_aws_environment()?;
    let store = execution::open_for_writing(&args.state)?;
    let (engine, reporter) = execution::engine(store, args.output, &args.aws);
    let run = NewRun {
        definition_path: args.definition.display().to_string(),
        definition_text: text,
        input,
        name: args.name,
        rollback_on_failure: args.rollback_on_failure,
    };
    // The engine runs the machine validated above instead of parsing the text again.
    let machine = Arc::new(machine.into_machine());
    let result = execution::drive(|interrupt| engine.start_loaded(run, machine, interrupt))?;
    execution::finish(result, reporter.as_ref(), args.output)
}

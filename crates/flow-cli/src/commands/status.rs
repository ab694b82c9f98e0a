//! `flow status`: an execution's summary.

use std::process::ExitCode;

use crate::cli::StatusArgs;
use crate::execution;

pub fn run(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let store = execution::open_for_reading(&args.state)?;
    let record = execution::find(&store, &args.execution)?;
    let mut value = execution::summary(&record.id.0, &record.name, &record.status, None);
    value["definition"] = record.definition_path.clone().into();
    value["started_at"] = crate::timestamps::rfc3339(record.started_at).into();
    if let Some(stopped) = record.stopped_at {
        value["stopped_at"] = crate::timestamps::rfc3339(stopped).into();
    }
    value["redrive_count"] = record.redrive_count.into();
    execution::print_summary(&value, args.output);
    if args.output == crate::cli::OutputFormat::Text {
        println!("{:<13}{}", "definition", record.definition_path);
        println!(
            "{:<13}{}",
            "started_at",
            crate::timestamps::rfc3339(record.started_at)
        );
    }
    Ok(ExitCode::SUCCESS)
}

//! `flow history`: an execution's events, like GetExecutionHistory.

use std::process::ExitCode;

use anyhow::anyhow;
use flow_engine::Store;

use crate::cli::{HistoryArgs, OutputFormat};
use crate::execution;
use crate::report::EventLine;
use crate::timestamps::rfc3339;

pub fn run(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let store = execution::open_for_reading(&args.state)?;
    let record = execution::find(&store, &args.execution)?;
    let events = store.history(&record.id).map_err(|e| anyhow!(e))?;
    for event in &events {
        match args.output {
            OutputFormat::Json => {
                EventLine::of(event).write_to(&mut std::io::stdout().lock())?;
            }
            OutputFormat::Text => {
                let name = event
                    .details
                    .get("name")
                    .and_then(|n| n.as_str())
                    .unwrap_or("");
                let mut line = format!(
                    "{:>5}  {}  {:<26} {}",
                    event.id,
                    rfc3339(event.timestamp),
                    event.kind.as_str(),
                    name
                );
                if let Some(error) = event.details.get("error").and_then(|e| e.as_str()) {
                    line.push_str(&format!("  {error}"));
                }
                println!("{}", line.trim_end());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

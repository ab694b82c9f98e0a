//! `flow list`: the executions of the state database, newest first.

use std::process::ExitCode;

use anyhow::anyhow;
use flow_engine::Store;
use serde_json::json;

use crate::cli::{ListArgs, OutputFormat};
use crate::execution;
use crate::timestamps::rfc3339;

pub fn run(args: ListArgs) -> anyhow::Result<ExitCode> {
    if !args.state.path.exists() && args.output == OutputFormat::Json {
        // No database yet: no executions. Nothing is created by looking.
        return Ok(ExitCode::SUCCESS);
    }
    if !args.state.path.exists() {
        eprintln!(
            "no executions yet (no state database at \"{}\")",
            args.state.path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let store = execution::open_for_reading(&args.state)?;
    let executions = store.list_executions().map_err(|e| anyhow!(e))?;
    match args.output {
        OutputFormat::Json => {
            for e in &executions {
                let line = json!({
                    "execution_id": e.id.0,
                    "name": e.name,
                    "status": e.status.name(),
                    "definition": e.definition_path,
                    "started_at": rfc3339(e.started_at),
                    "stopped_at": e.stopped_at.map(rfc3339),
                });
                println!("{line}");
            }
        }
        OutputFormat::Text => {
            println!(
                "{:<36}  {:<16}  {:<20}  {:<24}  DEFINITION",
                "EXECUTION", "STATUS", "NAME", "STARTED"
            );
            for e in &executions {
                let name = if e.name == e.id.0 {
                    "-"
                } else {
                    e.name.as_str()
                };
                println!(
                    "{:<36}  {:<16}  {:<20}  {:<24}  {}",
                    e.id.0,
                    e.status.name(),
                    name,
                    rfc3339(e.started_at),
                    e.definition_path
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

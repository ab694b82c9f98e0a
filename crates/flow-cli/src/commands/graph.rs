//! `flow graph <definition.json>`: a definition drawn as DOT or Mermaid, on stdout.
//! An argument that is not a file is an execution (see `graph_execution`).

use std::path::Path;
use std::process::ExitCode;

use crate::cli::{GraphArgs, GraphFormat};
use crate::definition;

pub fn run(args: GraphArgs) -> anyhow::Result<ExitCode> {
    let path = Path::new(&args.target);
    if !path.exists() && !args.target.ends_with(".json") {
        return super::graph_execution::run(args);
    }
    let Some(machine) = definition::load(path)? else {
        return Ok(ExitCode::from(2));
    };
    print!(
        "{}",
        render(&flow_lang::compile(&machine), args.format, &|_| None)
    );
    Ok(ExitCode::SUCCESS)
}

/// Renders a graph in the chosen format, with node fills by state name.
pub fn render(
    graph: &flow_lang::MachineGraph,
    format: GraphFormat,
    fill: &dyn Fn(&str) -> Option<String>,
) -> String {
    match format {
        GraphFormat::Dot => graph.to_dot(fill),
        GraphFormat::Mermaid => graph.to_mermaid(fill),
    }
}

//! `flow graph <execution-id>`: the definition of an execution, its states coloured by the
//! status of their latest step.

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::anyhow;
use flow_engine::{StepStatus, Store};

use crate::cli::GraphArgs;
use crate::execution;

pub fn run(args: GraphArgs) -> anyhow::Result<ExitCode> {
    let store = execution::open_for_reading(&args.state)?;
    let record = execution::find(&store, &args.target)?;
    let durable = store.load(&record.id).map_err(|e| anyhow!(e))?;
    let machine = flow_lang::load(&record.definition).map_err(|d| {
        anyhow!(
            "the stored definition of {} no longer loads ({} problems)",
            record.id,
            d.len()
        )
    })?;
    // Steps come in creation order, so the last one of a state wins: a state that failed
    // and then succeeded on resume shows as succeeded.
    let mut colours = HashMap::new();
    for step in &durable.steps {
        colours.insert(step.state.clone(), colour(&step.status).to_string());
    }
    let fill = flow_lang::graph::fill_from(&colours);
    print!(
        "{}",
        super::graph::render(&flow_lang::compile(&machine), args.format, &fill)
    );
    Ok(ExitCode::SUCCESS)
}

fn colour(status: &StepStatus) -> &'static str {
    match status {
        StepStatus::Succeeded { .. } => "palegreen",
        StepStatus::Caught { .. } => "khaki",
        StepStatus::Failed { .. } => "salmon",
        StepStatus::Running { .. }
        | StepStatus::Backoff { .. }
        | StepStatus::Waiting { .. }
        | StepStatus::FannedOut { .. } => "lightblue",
    }
}

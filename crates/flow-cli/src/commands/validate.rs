//! `flow validate <definition.json>`: every problem of a definition, or a one-line summary.

use std::process::ExitCode;

use crate::cli::ValidateArgs;
use crate::definition;

pub fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let Some(machine) = definition::load(&args.definition)? else {
        return Ok(ExitCode::from(2));
    };
    let states = count_states(machine.machine());
    println!("{}: valid ({states} states)", args.definition.display());
    Ok(ExitCode::SUCCESS)
}

fn count_states(machine: &flow_lang::model::StateMachine) -> usize {
    use flow_lang::model::StateKind;
    machine
        .states
        .values()
        .map(|state| {
            1 + match &state.kind {
                StateKind::Parallel(parallel) => parallel.branches.iter().map(count_states).sum(),
                StateKind::Map(map) => count_states(&map.processor),
                _ => 0,
            }
        })
        .sum()
}

//! Graph rules: StartAt and every transition name a state of the same machine, every state is
//! reachable, and state names are unique across the whole definition (so that a name alone
//! identifies a state in the history, in `flow graph` and in status maps).

use std::collections::{HashMap, HashSet, VecDeque};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{State, StateKind, StateMachine, Transition};
use crate::parse::closest_name;
use crate::source::child_pointer;

pub(super) fn check(machine: &StateMachine) -> Diagnostics {
    let mut diagnostics = Vec::new();
    let mut owners: HashMap<&str, &StateMachine> = HashMap::new();
    unique_names(machine, &mut owners, &mut diagnostics);
    check_machine(machine, &owners, &mut diagnostics);
    diagnostics
}

/// Records which machine owns each name, reporting names used twice.
fn unique_names<'m>(
    machine: &'m StateMachine,
    owners: &mut HashMap<&'m str, &'m StateMachine>,
    out: &mut Diagnostics,
) {
    for state in machine.states.values() {
        if owners.insert(&state.name, machine).is_some() {
            let message = format!(
                "state name \"{}\" is used more than once; state names must be unique in the whole definition",
                state.name
            );
            out.push(Diagnostic::new(&state.pointer, message));
        }
        for nested in nested_machines(state) {
            unique_names(nested, owners, out);
        }
    }
}

fn nested_machines(state: &State) -> Vec<&StateMachine> {
    match &state.kind {
        StateKind::Parallel(parallel) => parallel.branches.iter().collect(),
        StateKind::Map(map) => vec![&map.processor],
        _ => Vec::new(),
    }
}

/// The states a state can go to, each with the pointer of the field that names it.
pub fn successors(state: &State) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    if let Some(Transition::Next(next)) = state.transition() {
        out.push((next.as_str(), child_pointer(&state.pointer, "Next")));
    }
    if let StateKind::Choice(choice) = &state.kind {
        for rule in &choice.choices {
            out.push((rule.next.as_str(), child_pointer(&rule.pointer, "Next")));
        }
        if let Some(default) = &choice.default {
            out.push((default.as_str(), child_pointer(&state.pointer, "Default")));
        }
    }
    for (index, catcher) in state.catchers().iter().enumerate() {
        out.push((
            catcher.next.as_str(),
            format!("{}/Catch/{index}/Next", state.pointer),
        ));
    }
    out
}

fn check_machine(
    machine: &StateMachine,
    owners: &HashMap<&str, &StateMachine>,
    out: &mut Diagnostics,
) {
    let names: Vec<&str> = machine.states.keys().map(String::as_str).collect();
    let scope = scope_name(machine);
    let reference = |name: &str, pointer: String, field: &str, out: &mut Diagnostics| -> bool {
        if machine.states.contains_key(name) {
            return true;
        }
        if name.is_empty() {
            // A missing or mistyped field, reported by the parser.
            return false;
        }
        let diagnostic = match owners.get(name) {
            Some(_) => Diagnostic::new(
                pointer,
                format!(
                    "\"{field}\" names \"{name}\", a state outside {scope}; transitions cannot leave or enter a Parallel branch or a Map item processor"
                ),
            ),
            None => {
                let diagnostic = Diagnostic::new(
                    pointer,
                    format!("\"{field}\" names \"{name}\", which is not a state of {scope}"),
                );
                match closest_name(name, &names) {
                    Some(similar) => diagnostic.with_hint(format!("did you mean \"{similar}\"?")),
                    None => diagnostic,
                }
            }
        };
        out.push(diagnostic);
        false
    };

    let start_known = machine.states.is_empty()
        || reference(
            &machine.start_at,
            child_pointer(&machine.pointer, "StartAt"),
            "StartAt",
            out,
        );
    for state in machine.states.values() {
        for (target, pointer) in successors(state) {
            let field = pointer.rsplit('/').next().unwrap_or("Next").to_string();
            reference(target, pointer, &field, out);
        }
        for nested in nested_machines(state) {
            check_machine(nested, owners, out);
        }
    }

    if start_known && !machine.states.is_empty() {
        let mut reached: HashSet<&str> = HashSet::new();
        let mut queue = VecDeque::from([machine.start_at.as_str()]);
        while let Some(name) = queue.pop_front() {
            let Some(state) = machine.states.get(name) else {
                continue;
            };
            if !reached.insert(&state.name) {
                continue;
            }
            queue.extend(successors(state).into_iter().map(|(target, _)| target));
        }
        for state in machine
            .states
            .values()
            .filter(|s| !reached.contains(s.name.as_str()))
        {
            out.push(Diagnostic::new(
                &state.pointer,
                format!("state \"{}\" is unreachable from \"StartAt\"", state.name),
            ));
        }
    }
}

/// How a message names a machine.
fn scope_name(machine: &StateMachine) -> &'static str {
    if machine.pointer.is_empty() {
        "the state machine"
    } else if machine.pointer.ends_with("/ItemProcessor") || machine.pointer.ends_with("/Iterator")
    {
        "this Map item processor"
    } else {
        "this Parallel branch"
    }
}

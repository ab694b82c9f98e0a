//! A validated machine compiled to a petgraph graph: states are nodes, transitions typed edges
//! (Next, a Choice rule, Default, Catch), Parallel branches and Map item processors nested
//! graphs of their own. Renders to Graphviz DOT and to Mermaid.

mod dot;
mod mermaid;

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::model::{
    ChoiceRule, Comparison, Condition, ErrorMatcher, Operand, Operator, State, StateKind,
    StateMachine, Transition,
};
use crate::validate::ValidatedMachine;

/// One state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    /// The ASL `Type`.
    pub kind: &'static str,
    pub pointer: String,
    /// Whether the state ends its machine (`End: true`, Succeed, Fail).
    pub terminal: bool,
}

/// Why one state can follow another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edge {
    Next,
    /// A Choice rule, rendered readably (`$.x == 3`).
    Choice(String),
    Default,
    /// A Catch rule and the error names it catches.
    Catch(Vec<String>),
}

/// A machine's graph; `nested` holds, for each Parallel or Map node, its branches or its item
/// processor.
#[derive(Debug, Clone)]
pub struct MachineGraph {
    pub graph: DiGraph<Node, Edge>,
    pub start: Option<NodeIndex>,
    pub pointer: String,
    pub nested: HashMap<NodeIndex, Vec<MachineGraph>>,
}

/// Compiles a validated machine. Validation guarantees that every edge's target exists.
pub fn compile(machine: &ValidatedMachine) -> MachineGraph {
    build(machine.machine())
}

fn build(machine: &StateMachine) -> MachineGraph {
    let mut graph = DiGraph::new();
    let mut index = HashMap::new();
    let mut nested = HashMap::new();
    for state in machine.states.values() {
        let node = graph.add_node(Node {
            name: state.name.clone(),
            kind: state.kind.type_name(),
            pointer: state.pointer.clone(),
            terminal: is_terminal(state),
        });
        index.insert(state.name.as_str(), node);
        let inner: Vec<MachineGraph> = match &state.kind {
            StateKind::Parallel(parallel) => parallel.branches.iter().map(build).collect(),
            StateKind::Map(map) => vec![build(&map.processor)],
            _ => continue,
        };
        nested.insert(node, inner);
    }
    for state in machine.states.values() {
        let from = index[state.name.as_str()];
        let mut link = |target: &str, edge: Edge| {
            if let Some(to) = index.get(target) {
                graph.add_edge(from, *to, edge);
            }
        };
        if let Some(Transition::Next(next)) = state.transition() {
            link(next, Edge::Next);
        }
        if let StateKind::Choice(choice) = &state.kind {
            for rule in &choice.choices {
                link(&rule.next, Edge::Choice(describe_rule(rule)));
            }
            if let Some(default) = &choice.default {
                link(default, Edge::Default);
            }
        }
        for catcher in state.catchers() {
            link(
                &catcher.next,
                Edge::Catch(catcher.error_equals.iter().map(matcher_name).collect()),
            );
        }
    }
    let start = index.get(machine.start_at.as_str()).copied();
    MachineGraph {
        graph,
        start,
        pointer: machine.pointer.clone(),
        nested,
    }
}

fn is_terminal(state: &State) -> bool {
    match &state.kind {
        StateKind::Succeed(_) | StateKind::Fail(_) => true,
        StateKind::Choice(_) => false,
        _ => state.transition() == Some(&Transition::End),
    }
}

fn matcher_name(matcher: &ErrorMatcher) -> String {
    match matcher {
        ErrorMatcher::All => "States.ALL".into(),
        ErrorMatcher::TaskFailed => "States.TaskFailed".into(),
        ErrorMatcher::Name(name) => name.clone(),
    }
}

/// A Choice rule as a short expression: `$.x == 3`, `$.a > $.b && !($.s matches "x*")`.
pub fn describe_rule(rule: &ChoiceRule) -> String {
    describe(&rule.condition, false)
}

fn describe(condition: &Condition, nested: bool) -> String {
    let joined = |parts: &[Condition], glue: &str| {
        let text = parts
            .iter()
            .map(|c| describe(c, true))
            .collect::<Vec<_>>()
            .join(glue);
        if nested && parts.len() > 1 {
            format!("({text})")
        } else {
            text
        }
    };
    match condition {
        Condition::And(parts) => joined(parts, " && "),
        Condition::Or(parts) => joined(parts, " || "),
        Condition::Not(inner) => format!("!{}", parenthesised(inner)),
        Condition::Comparison(comparison) => describe_comparison(comparison),
    }
}

fn parenthesised(condition: &Condition) -> String {
    match condition {
        Condition::Comparison(_) => format!("({})", describe(condition, false)),
        _ => describe(condition, true),
    }
}

fn describe_comparison(comparison: &Comparison) -> String {
    use Operator::*;
    let variable = comparison.variable.as_str();
    let operand = match &comparison.operand {
        Operand::Literal(value) => value.to_string(),
        Operand::Path(path) => path.as_str().to_string(),
    };
    let test = |what: &str| {
        let negated = matches!(
            &comparison.operand,
            Operand::Literal(serde_json::Value::Bool(false))
        );
        format!("{variable} is {}{what}", if negated { "not " } else { "" })
    };
    let symbol = match comparison.operator {
        StringEquals | NumericEquals | BooleanEquals | TimestampEquals => "==",
        StringLessThan | NumericLessThan | TimestampLessThan => "<",
        StringGreaterThan | NumericGreaterThan | TimestampGreaterThan => ">",
        StringLessThanEquals | NumericLessThanEquals | TimestampLessThanEquals => "<=",
        StringGreaterThanEquals | NumericGreaterThanEquals | TimestampGreaterThanEquals => ">=",
        StringMatches => "matches",
        IsNull => return test("null"),
        IsPresent => return test("present"),
        IsNumeric => return test("numeric"),
        IsString => return test("a string"),
        IsBoolean => return test("a boolean"),
        IsTimestamp => return test("a timestamp"),
    };
    format!("{variable} {symbol} {operand}")
}

impl MachineGraph {
    /// Graphviz DOT. `fill` gives a node's fill colour by state name (e.g. from an
    /// execution's step statuses); `None` leaves it white.
    pub fn to_dot(&self, fill: &dyn Fn(&str) -> Option<String>) -> String {
        dot::render(self, fill)
    }

    /// A Mermaid flowchart; `fill` as for [`MachineGraph::to_dot`].
    pub fn to_mermaid(&self, fill: &dyn Fn(&str) -> Option<String>) -> String {
        mermaid::render(self, fill)
    }

    /// The node of a state, searching nested graphs too.
    pub fn find(&self, name: &str) -> Option<(&MachineGraph, NodeIndex)> {
        if let Some(node) = self
            .graph
            .node_indices()
            .find(|i| self.graph[*i].name == name)
        {
            return Some((self, node));
        }
        self.nested
            .values()
            .flatten()
            .find_map(|inner| inner.find(name))
    }
}

/// A `fill` for the renderers from a map of state name to colour.
pub fn fill_from(colours: &HashMap<String, String>) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| colours.get(name).cloned()
}

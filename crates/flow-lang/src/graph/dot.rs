//! Graphviz DOT: Choice edges labelled with their rule, Catch edges dashed, each Parallel
//! branch and Map item processor a cluster.

use std::fmt::Write;

use petgraph::visit::EdgeRef;

use super::{Edge, MachineGraph};

pub fn render(graph: &MachineGraph, fill: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    out.push_str("digraph \"state machine\" {\n");
    out.push_str("  node [shape=box, style=\"rounded,filled\", fillcolor=\"white\", fontname=\"Helvetica\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    out.push_str("  start [shape=circle, label=\"\", width=0.2, style=filled, fillcolor=black];\n");
    out.push_str(
        "  end [shape=doublecircle, label=\"\", width=0.15, style=filled, fillcolor=black];\n",
    );
    let mut renderer = Renderer {
        out,
        clusters: 0,
        fill,
    };
    let (start, terminals) = renderer.machine(graph, 1);
    if let Some(start) = start {
        let _ = writeln!(renderer.out, "  start -> {start};");
    }
    for terminal in terminals {
        let _ = writeln!(renderer.out, "  {terminal} -> end;");
    }
    renderer.out.push_str("}\n");
    renderer.out
}

struct Renderer<'f> {
    out: String,
    clusters: usize,
    fill: &'f dyn Fn(&str) -> Option<String>,
}

/// A DOT node id for a state: names are unique in a validated definition.
fn id(name: &str) -> String {
    quote(&format!("state:{name}"))
}

fn quote(text: &str) -> String {
    format!(
        "\"{}\"",
        text.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}

impl Renderer<'_> {
    /// Writes a machine's nodes and edges; returns its start node and terminal nodes.
    fn machine(&mut self, graph: &MachineGraph, depth: usize) -> (Option<String>, Vec<String>) {
        let indent = "  ".repeat(depth);
        let mut terminals = Vec::new();
        for index in graph.graph.node_indices() {
            let node = &graph.graph[index];
            let shape = match node.kind {
                "Choice" => ", shape=diamond, style=filled",
                "Succeed" | "Fail" => ", peripheries=2",
                _ => "",
            };
            let fill = (self.fill)(&node.name)
                .map(|c| format!(", fillcolor={}", quote(&c)))
                .unwrap_or_default();
            let label = format!("{}\n{}", node.name, node.kind);
            let _ = writeln!(
                self.out,
                "{indent}{} [label={}{shape}{fill}];",
                id(&node.name),
                quote(&label)
            );
            if node.terminal {
                terminals.push(id(&node.name));
            }
            if let Some(inner) = graph.nested.get(&index) {
                for (number, nested) in inner.iter().enumerate() {
                    let cluster = self.clusters;
                    self.clusters += 1;
                    let title = if node.kind == "Map" {
                        format!("{}: item processor", node.name)
                    } else {
                        format!("{}: branch {number}", node.name)
                    };
                    let _ = writeln!(self.out, "{indent}subgraph cluster_{cluster} {{");
                    let _ = writeln!(
                        self.out,
                        "{indent}  label={}; style=\"rounded,dashed\"; color=gray40;",
                        quote(&title)
                    );
                    let (start, _) = self.machine(nested, depth + 1);
                    let _ = writeln!(self.out, "{indent}}}");
                    if let Some(start) = start {
                        let edge_label = if node.kind == "Map" {
                            "each item".to_string()
                        } else {
                            format!("branch {number}")
                        };
                        let _ = writeln!(
                            self.out,
                            "{indent}{} -> {start} [label={}, style=dotted];",
                            id(&node.name),
                            quote(&edge_label)
                        );
                    }
                }
            }
        }
        for edge in graph.graph.edge_references() {
            let from = id(&graph.graph[edge.source()].name);
            let to = id(&graph.graph[edge.target()].name);
            let attributes = match edge.weight() {
                Edge::Next => String::new(),
                Edge::Choice(rule) => format!(" [label={}]", quote(rule)),
                Edge::Default => " [label=\"Default\", style=bold]".to_string(),
                Edge::Catch(errors) => format!(
                    " [label={}, style=dashed, color=red3, fontcolor=red3]",
                    quote(&errors.join(", "))
                ),
            };
            let _ = writeln!(self.out, "{indent}{from} -> {to}{attributes};");
        }
        (graph.start.map(|s| id(&graph.graph[s].name)), terminals)
    }
}

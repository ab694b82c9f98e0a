//! Mermaid flowcharts: Choice states as rhombi, Catch edges dotted, branches and item
//! processors as subgraphs, fills as `style` lines.

use std::fmt::Write;

use petgraph::visit::EdgeRef;

use super::{Edge, MachineGraph};

pub fn render(graph: &MachineGraph, fill: &dyn Fn(&str) -> Option<String>) -> String {
    let mut renderer = Renderer {
        out: String::from("flowchart TD\n"),
        ids: Vec::new(),
        subgraphs: 0,
        styles: Vec::new(),
        fill,
    };
    renderer.out.push_str("  start((\" \"))\n");
    renderer.out.push_str("  finish(((\" \")))\n");
    let (start, terminals) = renderer.machine(graph, 1);
    if let Some(start) = start {
        let _ = writeln!(renderer.out, "  start --> {start}");
    }
    for terminal in terminals {
        let _ = writeln!(renderer.out, "  {terminal} --> finish");
    }
    for style in std::mem::take(&mut renderer.styles) {
        let _ = writeln!(renderer.out, "  {style}");
    }
    renderer.out
}

struct Renderer<'f> {
    out: String,
    /// State names in order of appearance: a state's id is `s<position>`, since Mermaid ids
    /// cannot hold arbitrary characters.
    ids: Vec<String>,
    subgraphs: usize,
    styles: Vec<String>,
    fill: &'f dyn Fn(&str) -> Option<String>,
}

/// Text inside a quoted Mermaid label.
fn escape(text: &str) -> String {
    text.replace('&', "#amp;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('|', "#124;")
}

impl Renderer<'_> {
    fn id(&mut self, name: &str) -> String {
        let position = match self.ids.iter().position(|n| n == name) {
            Some(position) => position,
            None => {
                self.ids.push(name.to_string());
                self.ids.len() - 1
            }
        };
        format!("s{position}")
    }

    fn machine(&mut self, graph: &MachineGraph, depth: usize) -> (Option<String>, Vec<String>) {
        let indent = "  ".repeat(depth);
        let mut terminals = Vec::new();
        for index in graph.graph.node_indices() {
            let node = &graph.graph[index];
            let id = self.id(&node.name);
            let label = escape(&node.name);
            let shape = match node.kind {
                "Choice" => format!("{{\"{label}\"}}"),
                "Succeed" | "Fail" => format!("([\"{label}\"])"),
                "Parallel" | "Map" => format!("[[\"{label}\"]]"),
                _ => format!("[\"{label}\"]"),
            };
            let _ = writeln!(self.out, "{indent}{id}{shape}");
            if let Some(colour) = (self.fill)(&node.name) {
                self.styles.push(format!("style {id} fill:{colour}"));
            }
            if node.terminal {
                terminals.push(id.clone());
            }
            if let Some(inner) = graph.nested.get(&index) {
                for (number, nested) in inner.iter().enumerate() {
                    let subgraph = self.subgraphs;
                    self.subgraphs += 1;
                    let title = if node.kind == "Map" {
                        format!("{}: item processor", node.name)
                    } else {
                        format!("{}: branch {number}", node.name)
                    };
                    let _ = writeln!(
                        self.out,
                        "{indent}subgraph g{subgraph} [\"{}\"]",
                        escape(&title)
                    );
                    let (start, _) = self.machine(nested, depth + 1);
                    let _ = writeln!(self.out, "{indent}end");
                    if let Some(start) = start {
                        let edge_label = if node.kind == "Map" {
                            "each item".to_string()
                        } else {
                            format!("branch {number}")
                        };
                        let _ = writeln!(self.out, "{indent}{id} -.->|\"{edge_label}\"| {start}");
                    }
                }
            }
        }
        for edge in graph.graph.edge_references() {
            let from = self.id(&graph.graph[edge.source()].name);
            let to = self.id(&graph.graph[edge.target()].name);
            let line = match edge.weight() {
                Edge::Next => format!("{from} --> {to}"),
                Edge::Choice(rule) => format!("{from} -->|\"{}\"| {to}", escape(rule)),
                Edge::Default => format!("{from} ==>|\"Default\"| {to}"),
                Edge::Catch(errors) => {
                    format!("{from} -.->|\"catch {}\"| {to}", escape(&errors.join(", ")))
                }
            };
            let _ = writeln!(self.out, "{indent}{line}");
        }
        (
            graph
                .start
                .map(|s| graph.graph[s].name.clone())
                .map(|name| self.id(&name)),
            terminals,
        )
    }
}

//! Compiling definitions to graphs and rendering them: DOT and Mermaid snapshots of a
//! definition with Parallel, Map, Choice and Catch, and Graphviz's acceptance of the DOT.

use std::collections::HashMap;
use std::path::PathBuf;

use flow_lang::graph::{Edge, fill_from};

fn data(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/valid")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

fn pipeline() -> flow_lang::MachineGraph {
    let machine = flow_lang::load(&data("pipeline.json")).unwrap_or_else(|d| panic!("{d:?}"));
    flow_lang::compile(&machine)
}

#[test]
fn every_valid_definition_loads() {
    let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/valid");
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        if let Err(diagnostics) = flow_lang::load(&text) {
            panic!("{}: {diagnostics:?}", path.display());
        }
    }
}

#[test]
fn edges_are_typed() {
    let graph = pipeline();
    let edges: Vec<&Edge> = graph.graph.edge_weights().collect();
    assert!(edges.contains(&&Edge::Catch(vec!["States.ALL".into()])));
    assert!(edges.contains(&&Edge::Choice("$.probes[0].status == 200".into())));
    assert!(edges.contains(&&Edge::Choice(
        "$.retry is present && !($.mode == \"strict\")".into()
    )));
    assert!(edges.contains(&&Edge::Default));
    let (fork, node) = graph.find("Fork").unwrap();
    assert_eq!(fork.nested[&node].len(), 2);
    assert!(
        graph.find("Check").is_some(),
        "Map processors are nested graphs"
    );
}

#[test]
fn dot() {
    insta::assert_snapshot!(pipeline().to_dot(&|_| None));
}

#[test]
fn mermaid() {
    insta::assert_snapshot!(pipeline().to_mermaid(&|_| None));
}

#[test]
fn status_colours() {
    let colours: HashMap<String, String> = [
        ("Prepare".to_string(), "palegreen".to_string()),
        ("Volume".to_string(), "salmon".to_string()),
    ]
    .into();
    let fill = fill_from(&colours);
    let dot = pipeline().to_dot(&fill);
    assert!(
        dot.contains("\"state:Prepare\" [label=\"Prepare\\nTask\", fillcolor=\"palegreen\"];"),
        "{dot}"
    );
    assert!(dot.contains("fillcolor=\"salmon\""));
    let mermaid = pipeline().to_mermaid(&fill);
    assert!(mermaid.contains("style s0 fill:palegreen"), "{mermaid}");
}

/// Graphviz must accept the DOT. CI installs graphviz; elsewhere the test says why it skips.
#[test]
fn graphviz_accepts_the_dot() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        eprintln!("skipped: Graphviz `dot` is not installed");
        return;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(pipeline().to_dot(&|_| Some("lightblue".into())).as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "dot rejected the graph: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("<svg"));
}

//! Snapshot of the diagnostics for each definition in `tests/data/invalid/`: every rule of
//! parsing and validation has at least one file there.

use std::path::PathBuf;

fn render(text: &str) -> String {
    let diagnostics = match flow_lang::load(text) {
        Ok(_) => return "loaded without diagnostics\n".to_string(),
        Err(diagnostics) => diagnostics,
    };
    let mut out = String::new();
    for diagnostic in diagnostics {
        let position = match (diagnostic.line, diagnostic.column) {
            (Some(line), Some(column)) => format!("{line}:{column}"),
            _ => "?:?".to_string(),
        };
        let pointer = if diagnostic.pointer.is_empty() {
            "/"
        } else {
            &diagnostic.pointer
        };
        out.push_str(&format!("{position} {pointer}: {}\n", diagnostic.message));
        if let Some(hint) = diagnostic.hint {
            out.push_str(&format!("    hint: {hint}\n"));
        }
    }
    out
}

#[test]
fn invalid_definitions() {
    let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&directory)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    assert!(
        files.len() >= 20,
        "expected the whole set of invalid definitions"
    );
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        let rendered = render(&text);
        assert!(!rendered.starts_with("loaded"), "{name} should be rejected");
        insta::with_settings!({ snapshot_path => "snapshots/invalid", prepend_module_to_snapshot => false, input_file => &file }, {
            insta::assert_snapshot!(name, rendered);
        });
    }
}

//! Fuzz target: any text loaded as a definition (parse, validate), and when it loads, compiled
//! to a graph and rendered as DOT and Mermaid. Nothing may panic; when the text is JSON, the
//! value path (`validate_value`) must agree with the text path on whether it is valid.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let loaded = flow_lang::load(text);
    if let Ok(machine) = &loaded {
        let graph = flow_lang::compile(machine);
        let _ = graph.to_dot(&|name| (name.len() % 2 == 0).then(|| "red".to_string()));
        let _ = graph.to_mermaid(&|_| None);
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let from_value = flow_lang::validate_value(&value, &[]);
        // Only the text path sees duplicate keys, so it may reject what the value path accepts.
        if from_value.is_err() {
            assert!(loaded.is_err(), "valid as text but not as a value: {text}");
        }
    }
});

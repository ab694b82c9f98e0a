//! Fuzz target: any text parsed as a Path, a Reference Path, an intrinsic call and a template
//! value, then evaluated (and merged, for ResultPath) against a fixed input; also used as a
//! StringMatches pattern. Nothing may panic. Text after the first newline, when it is JSON,
//! replaces the input.
#![no_main]

use flow_lang::Bindings;
use flow_lang::choice::wildcard_match;
use flow_lang::intrinsics::{Call, SeededRandom};
use flow_lang::path::{Path, ReferencePath};
use flow_lang::template::{Template, ValueExpr};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

fn fixed_input() -> Value {
    json!({
        "a": {"b": [1, 2.5, -3, {"c": "x"}], "s": "héllo wörld €", "n": null, "t": true},
        "list": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        "users": [{"name": "Ann", "age": 31, "tags": ["x", "y"]}, {"name": "Bob", "age": 17.5}],
        "text": "a,b,,c", "json": "{\"k\": [1, 2]}", "b64": "SGVsbG8=", "big": 1e300,
        "neg": -9223372036854775808i64, "empty": {}, "nothing": [],
        "a b": {"~/": 1}
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (expression, rest) = text.split_once('\n').unwrap_or((text, ""));
    let input = serde_json::from_str::<Value>(rest).unwrap_or_else(|_| fixed_input());
    let context = json!({"Execution": {"Input": input.clone(), "Name": "run"}, "Map": {"Item": {"Index": 0}}});
    let mut variables = Map::new();
    variables.insert("var".into(), input.clone());
    variables.insert("n".into(), json!(3));
    let bindings = Bindings::new(&input, &context).with_variables(&variables);
    let mut random = SeededRandom::new(1);

    if let Ok(path) = Path::parse(expression) {
        let _ = path.select(&bindings);
        let _ = path.lookup(&bindings);
    }
    if let Ok(reference) = ReferencePath::parse(expression) {
        let _ = reference.select(&bindings);
        let _ = reference.merge_into(input.clone(), json!({"result": 1}));
    }
    if let Ok(call) = Call::parse(expression) {
        let _ = call.evaluate_with(&bindings, &mut random);
    }
    if let Ok(expr) = ValueExpr::parse(expression) {
        let _ = expr.evaluate_field("field.$", &bindings, &mut random);
    }
    let mut object = Map::new();
    object.insert(format!("{expression}.$"), Value::String(expression.to_string()));
    object.insert("nested".into(), json!([{"x.$": expression}]));
    if let Ok(template) = Template::compile(&Value::Object(object), "/Parameters") {
        let _ = template.evaluate_with(&bindings, &mut random);
    }
    let _ = wildcard_match(expression, rest);
});

//! The data flow of a state: InputPath -> Parameters -> (the work) -> ResultSelector ->
//! ResultPath -> OutputPath, each stage one of flow-lang's evaluators.

use flow_lang::model::DataFlow;
use flow_lang::template::Template;
use flow_lang::{AslError, Bindings};
use serde_json::{Map, Value};

/// What `$$` and `$var` mean while a state is evaluated.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub context: &'a Value,
    pub variables: Option<&'a Map<String, Value>>,
}

impl<'a> Scope<'a> {
    pub fn bindings(&self, input: &'a Value) -> Bindings<'a> {
        Bindings {
            input,
            context: self.context,
            variables: self.variables,
        }
    }
}

/// `InputPath`: the part of the raw input the state works on (`{}` for `null`).
pub fn input_path(data: &DataFlow, raw: &Value, scope: Scope) -> Result<Value, AslError> {
    match &data.input_path {
        Some(path) => path.select(&scope.bindings(raw)),
        None => Ok(Value::Object(Map::new())),
    }
}

/// `Parameters`, `ItemSelector` or `ResultSelector`: the template evaluated against `input`,
/// or `input` itself when there is none.
pub fn template(
    template: Option<&Template>,
    input: Value,
    scope: Scope,
) -> Result<Value, AslError> {
    match template {
        Some(template) => template.evaluate(&scope.bindings(&input)),
        None => Ok(input),
    }
}

/// `ResultPath`: the result placed into the raw input (or discarded for `null`).
pub fn result_path(data: &DataFlow, raw: Value, result: Value) -> Result<Value, AslError> {
    match &data.result_path {
        Some(path) => path.merge_into(raw, result),
        None => Ok(raw),
    }
}

/// `OutputPath`: the part of the merged value that goes to the next state.
pub fn output_path(data: &DataFlow, merged: &Value, scope: Scope) -> Result<Value, AslError> {
    match &data.output_path {
        Some(path) => path.select(&scope.bindings(merged)),
        None => Ok(Value::Object(Map::new())),
    }
}

/// ResultSelector, ResultPath and OutputPath applied to a state's result: the selected
/// result (what `Assign` sees as `$`) and the state's output.
pub fn finish(
    data: &DataFlow,
    result_selector: Option<&Template>,
    raw: &Value,
    result: Value,
    scope: Scope,
) -> Result<(Value, Value), AslError> {
    let selected = template(result_selector, result, scope)?;
    let merged = result_path(data, raw.clone(), selected.clone())?;
    Ok((selected, output_path(data, &merged, scope)?))
}

/// The largest payload Step Functions lets a state pass on (256 KiB).
pub const PAYLOAD_LIMIT: usize = 256 * 1024;

/// Whether a value is too large to pass between states.
pub fn exceeds_payload_limit(value: &Value) -> bool {
    // Cheap bound first: serializing small values is not worth it.
    serde_json::to_vec(value)
        .map(|bytes| bytes.len() > PAYLOAD_LIMIT)
        .unwrap_or(false)
}

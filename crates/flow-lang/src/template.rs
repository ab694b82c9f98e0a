//! Payload templates (`Parameters`, `ResultSelector`, `ItemSelector`, `Assign`): JSON in which
//! a key ending in `.$` takes its value from a path or an intrinsic function call.

use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::error::{AslError, Bindings, Failure};
use crate::intrinsics::text::to_json;
use crate::intrinsics::{Call, Random, SystemRandom};
use crate::path::Path;

/// A compiled template: the JSON shape with its dynamic values already parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    root: Node,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// A subtree without any `.$` key, copied as it is.
    Literal(Value),
    Object(Vec<Field>),
    Array(Vec<Node>),
}

#[derive(Debug, Clone, PartialEq)]
struct Field {
    /// The output key (without `.$`).
    name: String,
    value: FieldValue,
}

#[derive(Debug, Clone, PartialEq)]
enum FieldValue {
    Node(Node),
    /// `key` is the field as written (with `.$`), for error messages.
    Dynamic {
        key: String,
        expr: ValueExpr,
    },
}

/// What a `"key.$"` value (or `ErrorPath`, `CausePath`) can be.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueExpr {
    /// `$...`, `$$...` or `$var...`.
    Path(Path),
    /// `States.Format(...)` and the other intrinsic functions.
    Intrinsic(Call),
}

impl ValueExpr {
    /// Parses the string value of a `"key.$"` field.
    pub fn parse(source: &str) -> Result<ValueExpr, String> {
        if source.starts_with('$') {
            Path::parse(source)
                .map(ValueExpr::Path)
                .map_err(|error| error.0)
        } else if source.starts_with("States.") {
            Call::parse(source).map(ValueExpr::Intrinsic)
        } else {
            Err(format!(
                "'{source}' is neither a path (starting with '$') nor an intrinsic function call"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            ValueExpr::Path(path) => path.as_str(),
            ValueExpr::Intrinsic(call) => call.as_str(),
        }
    }

    /// Evaluates on its own; a path that names nothing is worded as for InputPath.
    pub fn evaluate(&self, bindings: &Bindings) -> Result<Value, AslError> {
        self.evaluate_with(bindings, &mut SystemRandom)
    }

    pub fn evaluate_with(
        &self,
        bindings: &Bindings,
        random: &mut dyn Random,
    ) -> Result<Value, AslError> {
        self.run(bindings, random).map_err(Failure::into_error)
    }

    /// Evaluates as the value of the field `field` (e.g. `ErrorPath`, `CausePath`, `x.$`): a path
    /// that names nothing is worded as AWS does, "The JSONPath '$.x' specified for the field
    /// 'ErrorPath' could not be found in the input '{...}'".
    pub fn evaluate_field(
        &self,
        field: &str,
        bindings: &Bindings,
        random: &mut dyn Random,
    ) -> Result<Value, AslError> {
        self.run(bindings, random)
            .map_err(|failure| worded_for_field(failure, field, bindings))
    }

    fn run(&self, bindings: &Bindings, random: &mut dyn Random) -> Result<Value, Failure> {
        match self {
            ValueExpr::Path(path) => path.evaluate(bindings).map_err(|miss| Failure::NotFound {
                path: path.as_str().to_string(),
                detail: miss.0,
            }),
            ValueExpr::Intrinsic(call) => call.run(bindings, random),
        }
    }
}

fn worded_for_field(failure: Failure, field: &str, bindings: &Bindings) -> AslError {
    match failure {
        Failure::NotFound { path, .. } => AslError::runtime(format!(
            "The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{}'",
            to_json(bindings.input)
        )),
        Failure::Error(error) => error,
    }
}

/// JSON pointer escaping (RFC 6901): `~` as `~0`, `/` as `~1`.
fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

impl Template {
    /// Compiles the JSON found at `pointer`; every malformed path or call is reported.
    pub fn compile(value: &Value, pointer: &str) -> Result<Template, Vec<Diagnostic>> {
        let mut diagnostics = Vec::new();
        let root = compile_node(value, pointer, &mut diagnostics);
        if diagnostics.is_empty() {
            Ok(Template { root })
        } else {
            Err(diagnostics)
        }
    }

    pub fn evaluate(&self, bindings: &Bindings) -> Result<Value, AslError> {
        self.evaluate_with(bindings, &mut SystemRandom)
    }

    /// Evaluates with the given randomness for `States.UUID` and `States.MathRandom`.
    pub fn evaluate_with(
        &self,
        bindings: &Bindings,
        random: &mut dyn Random,
    ) -> Result<Value, AslError> {
        evaluate_node(&self.root, bindings, random)
    }

    /// Every path and call in the template, with the field (`key.$`) it belongs to, in order:
    /// for validation (e.g. of variable references) without evaluating.
    pub fn expressions(&self) -> Vec<(&str, &ValueExpr)> {
        let mut out = Vec::new();
        collect(&self.root, &mut out);
        out
    }
}

fn collect<'t>(node: &'t Node, out: &mut Vec<(&'t str, &'t ValueExpr)>) {
    match node {
        Node::Literal(_) => {}
        Node::Array(items) => items.iter().for_each(|item| collect(item, out)),
        Node::Object(fields) => {
            for field in fields {
                match &field.value {
                    FieldValue::Node(node) => collect(node, out),
                    FieldValue::Dynamic { key, expr } => out.push((key, expr)),
                }
            }
        }
    }
}

fn compile_node(value: &Value, pointer: &str, diagnostics: &mut Vec<Diagnostic>) -> Node {
    match value {
        Value::Object(map) => {
            let mut fields = Vec::with_capacity(map.len());
            let mut dynamic = false;
            for (key, child) in map {
                let child_pointer = format!("{pointer}/{}", pointer_token(key));
                match key.strip_suffix(".$") {
                    Some(name) => {
                        dynamic = true;
                        let Value::String(source) = child else {
                            diagnostics.push(Diagnostic::new(
                                child_pointer,
                                format!(
                                    "The value of the field '{key}' must be a string: a path or an intrinsic function call"
                                ),
                            ));
                            continue;
                        };
                        match ValueExpr::parse(source) {
                            Ok(expr) => fields.push(Field {
                                name: name.to_string(),
                                value: FieldValue::Dynamic { key: key.clone(), expr },
                            }),
                            Err(message) => diagnostics.push(Diagnostic::new(
                                child_pointer,
                                format!("The value of the field '{key}' is not a valid path or intrinsic function call: {message}"),
                            )),
                        }
                    }
                    None => {
                        let node = compile_node(child, &child_pointer, diagnostics);
                        dynamic |= !matches!(node, Node::Literal(_));
                        fields.push(Field {
                            name: key.clone(),
                            value: FieldValue::Node(node),
                        });
                    }
                }
            }
            if dynamic {
                Node::Object(fields)
            } else {
                Node::Literal(value.clone())
            }
        }
        Value::Array(items) => {
            let nodes: Vec<Node> = items
                .iter()
                .enumerate()
                .map(|(index, item)| compile_node(item, &format!("{pointer}/{index}"), diagnostics))
                .collect();
            if nodes.iter().all(|node| matches!(node, Node::Literal(_))) {
                Node::Literal(value.clone())
            } else {
                Node::Array(nodes)
            }
        }
        literal => Node::Literal(literal.clone()),
    }
}

fn evaluate_node(
    node: &Node,
    bindings: &Bindings,
    random: &mut dyn Random,
) -> Result<Value, AslError> {
    match node {
        Node::Literal(value) => Ok(value.clone()),
        Node::Array(items) => items
            .iter()
            .map(|item| evaluate_node(item, bindings, random))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Node::Object(fields) => {
            let mut out = Map::with_capacity(fields.len());
            for field in fields {
                let value = match &field.value {
                    FieldValue::Node(node) => evaluate_node(node, bindings, random)?,
                    FieldValue::Dynamic { key, expr } => expr
                        .run(bindings, random)
                        .map_err(|failure| worded_for_field(failure, key, bindings))?,
                };
                out.insert(field.name.clone(), value);
            }
            Ok(Value::Object(out))
        }
    }
}

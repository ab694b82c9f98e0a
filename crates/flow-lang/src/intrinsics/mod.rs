//! The 18 intrinsic functions: `States.Format`, `States.StringToJson`, ..., `States.UUID`:
//! their parser and their evaluation, one module per family as AWS documents them.

mod array;
mod encoding;
mod hash;
mod json;
mod math;
mod parse;
mod random;
mod string;
pub(crate) mod text;

pub use random::{Random, SeededRandom, SystemRandom};

use serde_json::Value;

use crate::error::{AslError, Bindings, Failure};
use crate::path::Path;

/// A parsed intrinsic function call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    source: String,
    function: Function,
    arguments: Vec<Argument>,
}

/// The intrinsic functions, by their ASL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    Format,
    StringToJson,
    JsonToString,
    Array,
    ArrayPartition,
    ArrayContains,
    ArrayRange,
    ArrayGetItem,
    ArrayLength,
    ArrayUnique,
    Base64Encode,
    Base64Decode,
    Hash,
    JsonMerge,
    StringSplit,
    MathRandom,
    MathAdd,
    Uuid,
}

impl Function {
    pub const ALL: [Function; 18] = [
        Function::Format,
        Function::StringToJson,
        Function::JsonToString,
        Function::Array,
        Function::ArrayPartition,
        Function::ArrayContains,
        Function::ArrayRange,
        Function::ArrayGetItem,
        Function::ArrayLength,
        Function::ArrayUnique,
        Function::Base64Encode,
        Function::Base64Decode,
        Function::Hash,
        Function::JsonMerge,
        Function::StringSplit,
        Function::MathRandom,
        Function::MathAdd,
        Function::Uuid,
    ];

    /// The name as written in ASL, e.g. `States.Format`.
    pub fn name(self) -> &'static str {
        match self {
            Function::Format => "States.Format",
            Function::StringToJson => "States.StringToJson",
            Function::JsonToString => "States.JsonToString",
            Function::Array => "States.Array",
            Function::ArrayPartition => "States.ArrayPartition",
            Function::ArrayContains => "States.ArrayContains",
            Function::ArrayRange => "States.ArrayRange",
            Function::ArrayGetItem => "States.ArrayGetItem",
            Function::ArrayLength => "States.ArrayLength",
            Function::ArrayUnique => "States.ArrayUnique",
            Function::Base64Encode => "States.Base64Encode",
            Function::Base64Decode => "States.Base64Decode",
            Function::Hash => "States.Hash",
            Function::JsonMerge => "States.JsonMerge",
            Function::StringSplit => "States.StringSplit",
            Function::MathRandom => "States.MathRandom",
            Function::MathAdd => "States.MathAdd",
            Function::Uuid => "States.UUID",
        }
    }

    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL
            .into_iter()
            .find(|function| function.name() == name)
    }

    /// How many arguments the function takes: (at least, at most).
    pub fn arity(self) -> (usize, Option<usize>) {
        match self {
            Function::Format => (1, None),
            Function::Array => (0, None),
            Function::Uuid => (0, Some(0)),
            Function::StringToJson
            | Function::JsonToString
            | Function::ArrayLength
            | Function::ArrayUnique
            | Function::Base64Encode
            | Function::Base64Decode => (1, Some(1)),
            Function::ArrayPartition
            | Function::ArrayContains
            | Function::ArrayGetItem
            | Function::Hash
            | Function::StringSplit
            | Function::MathAdd => (2, Some(2)),
            Function::MathRandom => (2, Some(3)),
            Function::ArrayRange | Function::JsonMerge => (3, Some(3)),
        }
    }
}

/// An argument of a call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Argument {
    /// A number, `true`, `false` or `null`.
    Literal(Value),
    /// `'text'`: `value` with escapes resolved, `raw` as written between the quotes (for
    /// `States.Format`, where `\{` is a brace and `{}` a placeholder).
    Text {
        value: String,
        raw: String,
    },
    Path(Path),
    Call(Box<Call>),
}

impl Call {
    pub fn parse(source: &str) -> Result<Call, String> {
        parse::parse(source)
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub fn function(&self) -> Function {
        self.function
    }

    /// Evaluates with the operating system's randomness (for `States.UUID`, `States.MathRandom`).
    pub fn evaluate(&self, bindings: &Bindings) -> Result<Value, AslError> {
        self.evaluate_with(bindings, &mut SystemRandom)
    }

    /// Evaluates with the given source of randomness.
    pub fn evaluate_with(
        &self,
        bindings: &Bindings,
        random: &mut dyn Random,
    ) -> Result<Value, AslError> {
        self.run(bindings, random).map_err(Failure::into_error)
    }

    pub(crate) fn run(
        &self,
        bindings: &Bindings,
        random: &mut dyn Random,
    ) -> Result<Value, Failure> {
        let mut values = Vec::with_capacity(self.arguments.len());
        for argument in &self.arguments {
            values.push(match argument {
                Argument::Literal(value) => value.clone(),
                Argument::Text { value, .. } => Value::String(value.clone()),
                Argument::Path(path) => {
                    path.evaluate(bindings).map_err(|miss| Failure::NotFound {
                        path: path.as_str().to_string(),
                        detail: miss.0,
                    })?
                }
                Argument::Call(call) => call.run(bindings, random)?,
            });
        }
        self.apply(values, random).map_err(Failure::Error)
    }

    fn apply(&self, values: Vec<Value>, random: &mut dyn Random) -> Result<Value, AslError> {
        let arguments = Arguments {
            function: self.function,
            values,
        };
        match self.function {
            Function::Format => {
                let template = match self.arguments.first() {
                    Some(Argument::Text { raw, .. }) => string::Template::escaped(raw),
                    _ => string::Template::plain(arguments.string(0)?),
                };
                string::format(&template, &arguments)
            }
            Function::StringSplit => string::split(&arguments),
            Function::StringToJson => json::string_to_json(&arguments),
            Function::JsonToString => json::json_to_string(&arguments),
            Function::JsonMerge => json::merge(&arguments),
            Function::Array => Ok(Value::Array(arguments.values)),
            Function::ArrayPartition => array::partition(&arguments),
            Function::ArrayContains => array::contains(&arguments),
            Function::ArrayRange => array::range(&arguments),
            Function::ArrayGetItem => array::get_item(&arguments),
            Function::ArrayLength => array::length(&arguments),
            Function::ArrayUnique => array::unique(&arguments),
            Function::Base64Encode => encoding::encode(&arguments),
            Function::Base64Decode => encoding::decode(&arguments),
            Function::Hash => hash::hash(&arguments),
            Function::MathRandom => math::random(&arguments, random),
            Function::MathAdd => math::add(&arguments),
            Function::Uuid => Ok(math::uuid(random)),
        }
    }
}

impl std::fmt::Display for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

/// The evaluated arguments of a call, with typed accessors whose errors name the function.
pub(crate) struct Arguments {
    function: Function,
    values: Vec<Value>,
}

impl Arguments {
    pub fn name(&self) -> &'static str {
        self.function.name()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }

    pub fn get(&self, index: usize) -> Result<&Value, AslError> {
        self.values
            .get(index)
            .ok_or_else(|| self.invalid(format!("argument {} is missing", index + 1)))
    }

    /// `States.IntrinsicFailure` for this function.
    pub fn invalid(&self, detail: impl std::fmt::Display) -> AslError {
        AslError::intrinsic(format!("Invalid arguments in {}: {detail}", self.name()))
    }

    pub fn string(&self, index: usize) -> Result<&str, AslError> {
        match self.get(index)? {
            Value::String(text) => Ok(text),
            other => Err(self.invalid(format!(
                "argument {} must be a string, but got {}",
                index + 1,
                text::to_json(other)
            ))),
        }
    }

    pub fn array(&self, index: usize) -> Result<&Vec<Value>, AslError> {
        match self.get(index)? {
            Value::Array(items) => Ok(items),
            other => Err(self.invalid(format!(
                "argument {} must be an array, but got {}",
                index + 1,
                text::to_json(other)
            ))),
        }
    }

    pub fn object(&self, index: usize) -> Result<&serde_json::Map<String, Value>, AslError> {
        match self.get(index)? {
            Value::Object(map) => Ok(map),
            other => Err(self.invalid(format!(
                "argument {} must be a JSON object, but got {}",
                index + 1,
                text::to_json(other)
            ))),
        }
    }

    pub fn boolean(&self, index: usize) -> Result<bool, AslError> {
        match self.get(index)? {
            Value::Bool(flag) => Ok(*flag),
            other => Err(self.invalid(format!(
                "argument {} must be a boolean, but got {}",
                index + 1,
                text::to_json(other)
            ))),
        }
    }

    /// An integer argument; an integral float (`3.0`) counts, a fraction does not.
    pub fn integer(&self, index: usize) -> Result<i64, AslError> {
        let value = self.get(index)?;
        let not_integer = || {
            self.invalid(format!(
                "argument {} must be an integer, but got {}",
                index + 1,
                text::to_json(value)
            ))
        };
        match value {
            Value::Number(number) => match number.as_i64() {
                Some(integer) => Ok(integer),
                None => match number.as_f64() {
                    Some(x) if x.fract() == 0.0 && x.abs() < 9.0e18 => Ok(x as i64),
                    _ => Err(not_integer()),
                },
            },
            _ => Err(not_integer()),
        }
    }

    /// A number rounded to the nearest integer as Java's `Math.round` does (half up:
    /// `2.5` -> 3, `-2.5` -> -2), which AWS documents for MathAdd, MathRandom and ArrayPartition.
    pub fn rounded(&self, index: usize) -> Result<i64, AslError> {
        let value = self.get(index)?;
        match value {
            Value::Number(number) => match number.as_i64() {
                Some(integer) => Ok(integer),
                None => match number.as_f64() {
                    Some(x) if x.is_finite() && x.abs() < 9.0e18 => {
                        // floor(x + 0.5) without the rounding error of the addition.
                        let floor = x.floor();
                        Ok(if x - floor >= 0.5 {
                            floor as i64 + 1
                        } else {
                            floor as i64
                        })
                    }
                    _ => Err(self.invalid(format!(
                        "argument {} is out of range: {}",
                        index + 1,
                        text::to_json(value)
                    ))),
                },
            },
            other => Err(self.invalid(format!(
                "argument {} must be a number, but got {}",
                index + 1,
                text::to_json(other)
            ))),
        }
    }
}

//! The bridge for SDK crates with runtime Smithy schemas: JSON in Step Functions naming on
//! one side, any operation's input or output on the other.

use aws_smithy_schema::Schema;
use aws_smithy_schema::serde::{
    SerdeError, SerializableStruct, ShapeDeserializer, ShapeSerializer,
};
use aws_smithy_types::{BigDecimal, BigInteger, Blob, DateTime, Document};
use serde_json::{Map, Value};

use super::{Diagnostics, Mode, json_type, pointer_push, split_dynamic};
use crate::naming::bean_name;

/// Reads a JSON value as the shape that the generated `deserialize` code asks for. Problems
/// are reported into the shared [`Diagnostics`] and answered with a neutral value, so that
/// one walk finds them all; the caller looks at the diagnostics afterwards.
pub struct JsonDeserializer<'a> {
    value: &'a Value,
    pointer: String,
    diagnostics: &'a Diagnostics,
}

impl<'a> JsonDeserializer<'a> {
    pub fn new(value: &'a Value, diagnostics: &'a Diagnostics) -> Self {
        JsonDeserializer {
            value,
            pointer: String::new(),
            diagnostics,
        }
    }

    fn child(&self, value: &'a Value, token: &str) -> JsonDeserializer<'a> {
        JsonDeserializer {
            value,
            pointer: pointer_push(&self.pointer, token),
            diagnostics: self.diagnostics,
        }
    }

    fn mismatch(&self, expected: &str) {
        self.diagnostics.report(
            &self.pointer,
            format!("expected {expected}, found {}", json_type(self.value)),
            None,
        );
    }

    fn integer(&self, expected: &str, min: i64, max: i64) -> i64 {
        match self.value.as_i64() {
            Some(n) if (min..=max).contains(&n) => n,
            Some(n) => {
                self.diagnostics.report(
                    &self.pointer,
                    format!("{n} is out of range for {expected}"),
                    None,
                );
                0
            }
            None => {
                self.mismatch(expected);
                0
            }
        }
    }
}

/// Runs a generated `deserialize` over `params`. `Ok` only when no problem was found.
pub fn from_json<T>(
    params: &Value,
    mode: Mode,
    deserialize: fn(&mut dyn ShapeDeserializer) -> Result<T, SerdeError>,
) -> Result<T, Vec<super::Diagnostic>> {
    let diagnostics = Diagnostics::new(mode);
    let empty = Value::Object(Map::new());
    // Step Functions passes no Parameters as the state's input; a null means "no members".
    let params = if params.is_null() { &empty } else { params };
    let mut deserializer = JsonDeserializer::new(params, &diagnostics);
    let result = deserialize(&mut deserializer);
    if let Err(error) = &result {
        if diagnostics.is_empty() {
            diagnostics.report("", error.to_string(), None);
        }
    }
    match result {
        Ok(value) if diagnostics.is_empty() => Ok(value),
        _ => Err(diagnostics.into_vec()),
    }
}

/// The member names of a structure schema, in Step Functions naming.
pub fn member_bean_names(schema: &Schema<'_>) -> Vec<String> {
    schema
        .members()
        .iter()
        .filter_map(|member| member.member_name())
        .map(bean_name)
        .collect()
}

impl ShapeDeserializer for JsonDeserializer<'_> {
    fn read_struct(
        &mut self,
        schema: &Schema<'_>,
        state: &mut dyn FnMut(&Schema<'_>, &mut dyn ShapeDeserializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        let Some(object) = self.value.as_object() else {
            self.mismatch("object");
            return Ok(());
        };
        let names = member_bean_names(schema);
        for (key, value) in object {
            let (name, dynamic) = split_dynamic(key);
            let Some(index) = names.iter().position(|known| known == name) else {
                self.diagnostics.unknown_member(
                    &pointer_push(&self.pointer, key),
                    name,
                    names.iter().map(String::as_str),
                );
                continue;
            };
            if dynamic {
                if self.diagnostics.mode == Mode::Build {
                    // The engine evaluates `.$` keys before a Task runs; one left here is a
                    // literal key the service does not know.
                    self.diagnostics.report(
                        &pointer_push(&self.pointer, key),
                        "unevaluated dynamic parameter",
                        None,
                    );
                }
                continue;
            }
            let member = schema.members()[index];
            let mut child = self.child(value, key);
            if let Err(error) = state(member, &mut child) {
                self.diagnostics
                    .report(&child.pointer, error.to_string(), None);
            }
        }
        Ok(())
    }

    fn read_list(
        &mut self,
        _schema: &Schema<'_>,
        state: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        let Some(items) = self.value.as_array() else {
            self.mismatch("array");
            return Ok(());
        };
        for (index, item) in items.iter().enumerate() {
            let mut child = self.child(item, &index.to_string());
            if let Err(error) = state(&mut child) {
                self.diagnostics
                    .report(&child.pointer, error.to_string(), None);
            }
        }
        Ok(())
    }

    fn read_map(
        &mut self,
        _schema: &Schema<'_>,
        state: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        let Some(object) = self.value.as_object() else {
            self.mismatch("object");
            return Ok(());
        };
        for (key, value) in object {
            // Map keys are data: never renamed. A dynamic key's value is not known yet.
            if self.diagnostics.mode == Mode::Validate && key.ends_with(".$") {
                continue;
            }
            let mut child = self.child(value, key);
            if let Err(error) = state(key.clone(), &mut child) {
                self.diagnostics
                    .report(&child.pointer, error.to_string(), None);
            }
        }
        Ok(())
    }

    fn read_boolean(&mut self, _schema: &Schema<'_>) -> Result<bool, SerdeError> {
        self.value.as_bool().map(Ok).unwrap_or_else(|| {
            self.mismatch("boolean");
            Ok(false)
        })
    }

    fn read_byte(&mut self, _schema: &Schema<'_>) -> Result<i8, SerdeError> {
        Ok(self.integer("a byte", i8::MIN.into(), i8::MAX.into()) as i8)
    }

    fn read_short(&mut self, _schema: &Schema<'_>) -> Result<i16, SerdeError> {
        Ok(self.integer("a short integer", i16::MIN.into(), i16::MAX.into()) as i16)
    }

    fn read_integer(&mut self, _schema: &Schema<'_>) -> Result<i32, SerdeError> {
        Ok(self.integer("an integer", i32::MIN.into(), i32::MAX.into()) as i32)
    }

    fn read_long(&mut self, _schema: &Schema<'_>) -> Result<i64, SerdeError> {
        Ok(self.integer("an integer", i64::MIN, i64::MAX))
    }

    fn read_float(&mut self, schema: &Schema<'_>) -> Result<f32, SerdeError> {
        self.read_double(schema).map(|value| value as f32)
    }

    fn read_double(&mut self, _schema: &Schema<'_>) -> Result<f64, SerdeError> {
        self.value.as_f64().map(Ok).unwrap_or_else(|| {
            self.mismatch("number");
            Ok(0.0)
        })
    }

    fn read_big_integer(&mut self, _schema: &Schema<'_>) -> Result<BigInteger, SerdeError> {
        let text = match self.value {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => {
                self.mismatch("number");
                "0".to_string()
            }
        };
        text.parse()
            .map_err(|_| SerdeError::custom(format!("`{text}` is not an integer")))
    }

    fn read_big_decimal(&mut self, _schema: &Schema<'_>) -> Result<BigDecimal, SerdeError> {
        let text = match self.value {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => {
                self.mismatch("number");
                "0".to_string()
            }
        };
        text.parse()
            .map_err(|_| SerdeError::custom(format!("`{text}` is not a number")))
    }

    fn read_string(&mut self, _schema: &Schema<'_>) -> Result<String, SerdeError> {
        match self.value.as_str() {
            Some(text) => Ok(text.to_string()),
            None => {
                self.mismatch("string");
                Ok(String::new())
            }
        }
    }

    fn read_blob(&mut self, _schema: &Schema<'_>) -> Result<Blob, SerdeError> {
        // Blobs (ACM's Certificate, PrivateKey, CertificateChain) take their text, PEM
        // included, as a JSON string, as Step Functions does.
        match self.value.as_str() {
            Some(text) => Ok(Blob::new(text.as_bytes().to_vec())),
            None => {
                self.mismatch("string");
                Ok(Blob::new(Vec::new()))
            }
        }
    }

    fn read_timestamp(&mut self, _schema: &Schema<'_>) -> Result<DateTime, SerdeError> {
        match super::parse_timestamp(self.value) {
            Some(time) => Ok(time),
            None => {
                self.mismatch("a timestamp (ISO 8601 string or epoch seconds)");
                Ok(DateTime::from_secs(0))
            }
        }
    }

    fn read_document(&mut self, _schema: &Schema<'_>) -> Result<Document, SerdeError> {
        Ok(super::document_from_json(self.value))
    }

    fn is_null(&self) -> bool {
        self.value.is_null()
    }

    fn container_size(&self) -> Option<usize> {
        match self.value {
            Value::Array(items) => Some(items.len()),
            Value::Object(map) => Some(map.len()),
            _ => None,
        }
    }
}

/// Builds JSON from any generated output, member names in Step Functions naming.
#[derive(Default)]
pub struct JsonSerializer {
    stack: Vec<Frame>,
    root: Option<Value>,
}

enum Frame {
    Struct(Map<String, Value>),
    Map {
        entries: Map<String, Value>,
        key: Option<String>,
    },
    List(Vec<Value>),
}

/// Turns any value with a runtime schema into JSON.
pub fn to_json(value: &dyn SerializableStruct) -> Result<Value, SerdeError> {
    let mut serializer = JsonSerializer::default();
    serializer.write_struct(value.schema(), value)?;
    Ok(serializer.root.unwrap_or(Value::Object(Map::new())))
}

impl JsonSerializer {
    fn emit(&mut self, schema: &Schema<'_>, value: Value) -> Result<(), SerdeError> {
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Struct(members)) => {
                let name = schema.member_name().ok_or_else(|| {
                    SerdeError::custom(format!(
                        "structure member without a name: {}",
                        schema.shape_id().as_str()
                    ))
                })?;
                members.insert(bean_name(name), value);
            }
            Some(Frame::Map { entries, key }) => match key.take() {
                Some(k) => {
                    entries.insert(k, value);
                }
                None => match value {
                    Value::String(k) => *key = Some(k),
                    other => *key = Some(other.to_string()),
                },
            },
            Some(Frame::List(items)) => items.push(value),
        }
        Ok(())
    }

    fn nested(
        &mut self,
        schema: &Schema<'_>,
        frame: Frame,
        fill: &dyn Fn(&mut dyn ShapeSerializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        self.stack.push(frame);
        let filled = fill(self);
        let frame = self.stack.pop().expect("the frame pushed above");
        filled?;
        let value = match frame {
            Frame::Struct(members) => Value::Object(members),
            Frame::Map { entries, .. } => Value::Object(entries),
            Frame::List(items) => Value::Array(items),
        };
        self.emit(schema, value)
    }
}

impl ShapeSerializer for JsonSerializer {
    fn write_struct(
        &mut self,
        schema: &Schema<'_>,
        value: &dyn SerializableStruct,
    ) -> Result<(), SerdeError> {
        // Unions are written like structures with their one member set.
        self.nested(schema, Frame::Struct(Map::new()), &|ser| {
            value.serialize_members(ser)
        })
    }

    fn write_list(
        &mut self,
        schema: &Schema<'_>,
        write_elements: &dyn Fn(&mut dyn ShapeSerializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        self.nested(schema, Frame::List(Vec::new()), write_elements)
    }

    fn write_map(
        &mut self,
        schema: &Schema<'_>,
        write_entries: &dyn Fn(&mut dyn ShapeSerializer) -> Result<(), SerdeError>,
    ) -> Result<(), SerdeError> {
        self.nested(
            schema,
            Frame::Map {
                entries: Map::new(),
                key: None,
            },
            write_entries,
        )
    }

    fn write_boolean(&mut self, schema: &Schema<'_>, value: bool) -> Result<(), SerdeError> {
        self.emit(schema, Value::Bool(value))
    }

    fn write_byte(&mut self, schema: &Schema<'_>, value: i8) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(value))
    }

    fn write_short(&mut self, schema: &Schema<'_>, value: i16) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(value))
    }

    fn write_integer(&mut self, schema: &Schema<'_>, value: i32) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(value))
    }

    fn write_long(&mut self, schema: &Schema<'_>, value: i64) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(value))
    }

    fn write_float(&mut self, schema: &Schema<'_>, value: f32) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(f64::from(value)))
    }

    fn write_double(&mut self, schema: &Schema<'_>, value: f64) -> Result<(), SerdeError> {
        self.emit(schema, Value::from(value))
    }

    fn write_big_integer(
        &mut self,
        schema: &Schema<'_>,
        value: &BigInteger,
    ) -> Result<(), SerdeError> {
        let text = value.as_ref().to_string();
        let json = text
            .parse::<serde_json::Number>()
            .map(Value::Number)
            .unwrap_or(Value::String(text));
        self.emit(schema, json)
    }

    fn write_big_decimal(
        &mut self,
        schema: &Schema<'_>,
        value: &BigDecimal,
    ) -> Result<(), SerdeError> {
        let text = value.as_ref().to_string();
        let json = text
            .parse::<serde_json::Number>()
            .map(Value::Number)
            .unwrap_or(Value::String(text));
        self.emit(schema, json)
    }

    fn write_string(&mut self, schema: &Schema<'_>, value: &str) -> Result<(), SerdeError> {
        self.emit(schema, Value::String(value.to_string()))
    }

    fn write_blob(&mut self, schema: &Schema<'_>, value: Blob) -> Result<(), SerdeError> {
        self.emit(schema, super::format_blob(&value))
    }

    fn write_timestamp(&mut self, schema: &Schema<'_>, value: &DateTime) -> Result<(), SerdeError> {
        self.emit(schema, super::format_timestamp(value))
    }

    fn write_document(&mut self, schema: &Schema<'_>, value: &Document) -> Result<(), SerdeError> {
        self.emit(schema, super::document_to_json(value))
    }

    fn write_null(&mut self, schema: &Schema<'_>) -> Result<(), SerdeError> {
        match self.stack.last() {
            Some(Frame::Struct(_)) => Ok(()),
            _ => self.emit(schema, Value::Null),
        }
    }
}

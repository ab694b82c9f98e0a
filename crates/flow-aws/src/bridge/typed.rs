//! The bridge for SDK crates without runtime schemas: `FromJson`/`ToJson`, implemented here
//! for primitives and containers, and for each SDK structure, union and enum by one line of
//! [`json_struct!`], [`json_union!`] or [`json_enum!`] in the generated service tables. The
//! conversion logic lives here once; the tables only say which member is which field.

use std::collections::HashMap;

use aws_smithy_types::{Blob, DateTime, Document};
use serde_json::{Map, Value};

use super::{Diagnostics, json_type, pointer_push};

/// Where a walk is, and where it reports.
pub struct Walk<'a> {
    pub pointer: String,
    pub diagnostics: &'a Diagnostics,
}

impl<'a> Walk<'a> {
    pub fn new(diagnostics: &'a Diagnostics) -> Self {
        Walk {
            pointer: String::new(),
            diagnostics,
        }
    }

    pub fn child(&self, token: &str) -> Walk<'a> {
        Walk {
            pointer: pointer_push(&self.pointer, token),
            diagnostics: self.diagnostics,
        }
    }

    pub fn mismatch(&self, expected: &str, found: &Value) {
        self.diagnostics.report(
            &self.pointer,
            format!("expected {expected}, found {}", json_type(found)),
            None,
        );
    }

    pub fn validating(&self) -> bool {
        self.diagnostics.mode == super::Mode::Validate
    }
}

/// A value that can be read from Step Functions JSON. `None` means the problem was reported.
pub trait FromJson: Sized {
    fn from_json(value: &Value, walk: &Walk<'_>) -> Option<Self>;
}

/// A value that can be written as Step Functions JSON. `Null` means "absent".
pub trait ToJson {
    fn to_json(&self) -> Value;
}

impl FromJson for String {
    fn from_json(value: &Value, walk: &Walk<'_>) -> Option<Self> {
        match value {
            Value::String(text) => Some(text.clone()),
            other => {
                walk.mismatch("string", other);
                None
            }
        }
    }
}

impl FromJson for bool {
    fn from_json(value: &Value, walk: &Walk<'_>) -> Option<Self> {
        match value {
            Value::Bool(b) => Some(*b),
            other => {
                walk.mismatch("boolean", other);
                None
            }
        }
    }
}

macro_rules! integer_from_json {
    ($($ty:ty),*) => {$(
        impl FromJson for $ty {
            fn from_json(value: &Value, walk: &Walk<'_>) -> Option<Self> {
                match value.as_i64() {
                    Some(n) => match <$ty>::try_from(n) {
                        Ok(n) => Some(n),
                        Err(_) => {
                            walk.diagnostics.report(
                                &walk.pointer,
                                format!("{n} is out of range for {}", stringify!($ty)),
                                None,
                            );
                            None
                        }
                    },
                    None => {
                        walk.mismatch("an integer", value);
                        None
                    }
                }
            }
        }
        impl ToJson for $ty {
            fn to_json(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}
integer_from_json!(i8, i16, i32, i64);

impl FromJson for f64 {
    fn from_json(value: &Value, walk: &Walk<'_>) -> Option<Self> {
        value.as_f64().or_else(|| {
            walk.mismatch("number", value);
            None
        })
    }
}

impl FromJson for f32 {
    fn from_json(value: &Value, walk: &Walk<'_>) -> Option<Self> {
        f64::from_json(value, walk).map(|v| v as f32)
    }
}

impl FromJson for Blob {
    fn from_json(value: &Value, walk: &Walk<'_>) -> Option<Self> {
        String::from_json(value, walk).map(|text| Blob::new(text.into_bytes()))
    }
}

impl FromJson for DateTime {
    fn from_json(value: &Value, walk: &Walk<'_>) -> Option<Self> {
        super::parse_timestamp(value).or_else(|| {
            walk.mismatch("a timestamp (ISO 8601 string or epoch seconds)", value);
            None
        })
    }
}

impl FromJson for Document {
    fn from_json(value: &Value, _walk: &Walk<'_>) -> Option<Self> {
        Some(super::document_from_json(value))
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &Value, walk: &Walk<'_>) -> Option<Self> {
        let Value::Array(items) = value else {
            walk.mismatch("array", value);
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut complete = true;
        for (index, item) in items.iter().enumerate() {
            match T::from_json(item, &walk.child(&index.to_string())) {
                Some(v) => out.push(v),
                None => complete = false,
            }
        }
        complete.then_some(out)
    }
}

impl<T: FromJson> FromJson for HashMap<String, T> {
    fn from_json(value: &Value, walk: &Walk<'_>) -> Option<Self> {
        let Value::Object(entries) = value else {
            walk.mismatch("object", value);
            return None;
        };
        let mut out = HashMap::with_capacity(entries.len());
        let mut complete = true;
        for (key, item) in entries {
            if walk.validating() && key.ends_with(".$") {
                continue;
            }
            match T::from_json(item, &walk.child(key)) {
                Some(v) => {
                    out.insert(key.clone(), v);
                }
                None => complete = false,
            }
        }
        complete.then_some(out)
    }
}

impl<T: FromJson> FromJson for Box<T> {
    fn from_json(value: &Value, walk: &Walk<'_>) -> Option<Self> {
        T::from_json(value, walk).map(Box::new)
    }
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl ToJson for f64 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl ToJson for f32 {
    fn to_json(&self) -> Value {
        Value::from(f64::from(*self))
    }
}

impl ToJson for Blob {
    fn to_json(&self) -> Value {
        super::format_blob(self)
    }
}

impl ToJson for DateTime {
    fn to_json(&self) -> Value {
        super::format_timestamp(self)
    }
}

impl ToJson for Document {
    fn to_json(&self) -> Value {
        super::document_to_json(self)
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToJson::to_json)
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(ToJson::to_json).collect())
    }
}

impl<T: ToJson> ToJson for HashMap<String, T> {
    fn to_json(&self) -> Value {
        let mut keys: Vec<&String> = self.keys().collect();
        keys.sort();
        Value::Object(
            keys.into_iter()
                .map(|k| (k.clone(), self[k].to_json()))
                .collect(),
        )
    }
}

impl<T: ToJson> ToJson for Box<T> {
    fn to_json(&self) -> Value {
        (**self).to_json()
    }
}

/// `build()` of an SDK builder returns the value, or a `Result` when the shape has required
/// members; this takes either.
pub trait Built<T> {
    fn into_result(self) -> Result<T, String>;
}

impl<T> Built<T> for T {
    fn into_result(self) -> Result<T, String> {
        Ok(self)
    }
}

impl<T> Built<T> for Result<T, aws_smithy_types::error::operation::BuildError> {
    fn into_result(self) -> Result<T, String> {
        self.map_err(|error| error.to_string())
    }
}

/// Reads the members of an object: calls `member(name, value, walk)` for each known member
/// and reports unknown ones. Shared by every generated structure.
pub fn read_members(
    value: &Value,
    walk: &Walk<'_>,
    known: &[&str],
    mut member: impl FnMut(&str, &Value, &Walk<'_>),
) -> bool {
    let Value::Object(entries) = value else {
        walk.mismatch("object", value);
        return false;
    };
    for (key, item) in entries {
        let (name, dynamic) = super::split_dynamic(key);
        if !known.contains(&name) {
            walk.diagnostics
                .unknown_member(&walk.child(key).pointer, name, known.iter().copied());
            continue;
        }
        if dynamic {
            if !walk.validating() {
                walk.diagnostics.report(
                    &walk.child(key).pointer,
                    "unevaluated dynamic parameter",
                    None,
                );
            }
            continue;
        }
        member(name, item, &walk.child(key));
    }
    true
}

/// Writes the non-absent members of a structure.
pub fn write_members(members: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    let mut out = Map::new();
    for (name, value) in members {
        if !value.is_null() {
            out.insert(name.to_string(), value);
        }
    }
    Value::Object(out)
}

/// A structure: `json_struct!(path::Type { "BeanName" => field / set_field, ... })`.
/// `input` marks an operation's input builder (read into the builder, never built here).
#[macro_export]
macro_rules! json_struct {
    ($ty:ty { $($bean:literal => $field:ident / $setter:ident),* $(,)? }) => {
        impl $crate::bridge::typed::FromJson for $ty {
            fn from_json(
                value: &::serde_json::Value,
                walk: &$crate::bridge::typed::Walk<'_>,
            ) -> Option<Self> {
                #[allow(unused_mut)]
                let mut builder = Some(<$ty>::builder());
                let complete = $crate::bridge::typed::read_members(
                    value, walk, &[$($bean),*],
                    #[allow(unused_variables)]
                    |name, item, walk| match name {
                        $($bean => {
                            let parsed = $crate::bridge::typed::FromJson::from_json(item, walk);
                            builder = builder.take().map(|b| b.$setter(parsed));
                        })*
                        _ => {}
                    },
                );
                let built = builder.take()?.build();
                match $crate::bridge::typed::Built::<$ty>::into_result(built) {
                    Ok(built) => complete.then_some(built),
                    Err(error) => {
                        // In a definition, a required member may come from a `.$` key.
                        if !walk.validating() {
                            walk.diagnostics.report(&walk.pointer, error, None);
                        }
                        None
                    }
                }
            }
        }
        $crate::json_struct!(@to $ty { $($bean => $field),* });
    };
    (input $ty:ty { $($bean:literal => $field:ident / $setter:ident),* $(,)? }) => {
        impl $crate::bridge::typed::FromJson for $ty {
            fn from_json(
                value: &::serde_json::Value,
                walk: &$crate::bridge::typed::Walk<'_>,
            ) -> Option<Self> {
                #[allow(unused_mut)]
                let mut builder = Some(<$ty>::default());
                let complete = $crate::bridge::typed::read_members(
                    value, walk, &[$($bean),*],
                    #[allow(unused_variables)]
                    |name, item, walk| match name {
                        $($bean => {
                            let parsed = $crate::bridge::typed::FromJson::from_json(item, walk);
                            builder = builder.take().map(|b| b.$setter(parsed));
                        })*
                        _ => {}
                    },
                );
                if complete { builder } else { None }
            }
        }
    };
    (output $ty:ty { $($bean:literal => $field:ident),* $(,)? }) => {
        $crate::json_struct!(@to $ty { $($bean => $field),* });
    };
    (@to $ty:ty { $($bean:literal => $field:ident),* }) => {
        impl $crate::bridge::typed::ToJson for $ty {
            fn to_json(&self) -> ::serde_json::Value {
                $crate::bridge::typed::write_members([
                    $(($bean, $crate::bridge::typed::ToJson::to_json(&self.$field))),*
                ])
            }
        }
    };
}

/// A string enum: its values travel as strings; unknown values are reported with a hint.
#[macro_export]
macro_rules! json_enum {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::bridge::typed::FromJson for $ty {
            fn from_json(
                value: &::serde_json::Value,
                walk: &$crate::bridge::typed::Walk<'_>,
            ) -> Option<Self> {
                let text = <String as $crate::bridge::typed::FromJson>::from_json(value, walk)?;
                let known = <$ty>::values();
                if !known.contains(&text.as_str()) {
                    walk.diagnostics.report(
                        &walk.pointer,
                        format!("`{text}` is not one of {}", known.join(", ")),
                        $crate::naming::did_you_mean(&text, known.iter().copied()),
                    );
                    return None;
                }
                Some(<$ty>::from(text.as_str()))
            }
        }
        impl $crate::bridge::typed::ToJson for $ty {
            fn to_json(&self) -> ::serde_json::Value {
                ::serde_json::Value::String(self.as_str().to_string())
            }
        }
    )*};
}

/// A union: an object with exactly one member set.
#[macro_export]
macro_rules! json_union {
    ($ty:ty { $($bean:literal => $variant:ident),* $(,)? }) => {
        impl $crate::bridge::typed::FromJson for $ty {
            fn from_json(
                value: &::serde_json::Value,
                walk: &$crate::bridge::typed::Walk<'_>,
            ) -> Option<Self> {
                let mut chosen: Option<Self> = None;
                let complete = $crate::bridge::typed::read_members(
                    value, walk, &[$($bean),*],
                    |name, item, walk| {
                        chosen = match name {
                            $($bean => $crate::bridge::typed::FromJson::from_json(item, walk)
                                .map(Self::$variant),)*
                            _ => None,
                        };
                    },
                );
                if complete && value.as_object().map_or(0, |o| o.len()) != 1 {
                    walk.diagnostics.report(
                        &walk.pointer,
                        "expected exactly one member of this union",
                        None,
                    );
                    return None;
                }
                chosen
            }
        }
        impl $crate::bridge::typed::ToJson for $ty {
            fn to_json(&self) -> ::serde_json::Value {
                #[allow(unreachable_patterns)]
                match self {
                    $(Self::$variant(value) => {
                        let mut out = ::serde_json::Map::new();
                        out.insert($bean.to_string(), $crate::bridge::typed::ToJson::to_json(value));
                        ::serde_json::Value::Object(out)
                    })*
                    _ => ::serde_json::Value::Null,
                }
            }
        }
    };
}

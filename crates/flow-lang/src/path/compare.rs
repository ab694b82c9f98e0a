//! Comparisons of JSON values as Step Functions (a Java program) makes them: numbers by value
//! whatever their representation, strings by UTF-16 code units.

use std::cmp::Ordering;

use serde_json::{Number, Value};

/// Orders two numbers by value: `1` equals `1.0`, and large integers are not rounded through
/// `f64` when both sides are integers.
pub(crate) fn numbers(left: &Number, right: &Number) -> Option<Ordering> {
    match (integer(left), integer(right)) {
        (Some(l), Some(r)) => Some(l.cmp(&r)),
        _ => left.as_f64()?.partial_cmp(&right.as_f64()?),
    }
}

fn integer(number: &Number) -> Option<i128> {
    number
        .as_i64()
        .map(i128::from)
        .or_else(|| number.as_u64().map(i128::from))
}

/// Java's `String.compareTo`: UTF-16 code units, which differs from Rust's byte order for
/// characters above U+FFFF against those in U+E000..U+FFFF.
pub(crate) fn strings(left: &str, right: &str) -> Ordering {
    left.encode_utf16().cmp(right.encode_utf16())
}

/// Structural equality where numbers compare by value.
pub(crate) fn equal(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(l), Value::Number(r)) => numbers(l, r) == Some(Ordering::Equal),
        (Value::Array(l), Value::Array(r)) => {
            l.len() == r.len() && l.iter().zip(r).all(|(a, b)| equal(a, b))
        }
        (Value::Object(l), Value::Object(r)) => {
            l.len() == r.len()
                && l.iter()
                    .all(|(key, a)| r.get(key).is_some_and(|b| equal(a, b)))
        }
        _ => left == right,
    }
}

//! Values as text the way Step Functions' Java runtime writes them: JSON as Jackson writes it
//! (`1.0E20`, not `1e20`), and `States.Format`'s `toString` forms (`{a=1, b=[x, y]}`).

use serde_json::{Number, Value};

/// Java's `Double.toString`: plain decimals between 10^-3 and 10^7, always with a fraction
/// digit (`3.0`); scientific notation outside (`1.0E7`, `1.5E-4`).
pub(crate) fn java_double(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let magnitude = x.abs();
    if (1e-3..1e7).contains(&magnitude) {
        let plain = format!("{x}");
        return if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        };
    }
    let scientific = format!("{x:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.to_string()
    } else {
        format!("{mantissa}.0")
    };
    format!("{mantissa}E{exponent}")
}

pub(crate) fn java_number(number: &Number) -> String {
    if number.is_f64() {
        number
            .as_f64()
            .map(java_double)
            .unwrap_or_else(|| number.to_string())
    } else {
        number.to_string()
    }
}

/// Compact JSON as Jackson writes it.
pub(crate) fn to_json(value: &Value) -> String {
    let mut out = String::new();
    write_json(value, &mut out);
    out
}

fn write_json(value: &Value, out: &mut String) {
    match value {
        Value::Number(number) => out.push_str(&java_number(number)),
        Value::Array(items) => {
            out.push('[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (position, (key, item)) in map.iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key).unwrap_or_default());
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
        scalar => out.push_str(&serde_json::to_string(scalar).unwrap_or_default()),
    }
}

/// The text `States.Format` puts in place of `{}`: strings as they are, objects and arrays in
/// Java's `Map`/`List` `toString` form.
pub(crate) fn format_value(value: &Value) -> String {
    let mut out = String::new();
    write_format(value, &mut out);
    out
}

fn write_format(value: &Value, out: &mut String) {
    match value {
        Value::String(text) => out.push_str(text),
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => out.push_str(&java_number(number)),
        Value::Array(items) => {
            out.push('[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push_str(", ");
                }
                write_format(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (position, (key, item)) in map.iter().enumerate() {
                if position > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push('=');
                write_format(item, out);
            }
            out.push('}');
        }
    }
}

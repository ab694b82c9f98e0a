//! String intrinsics: `States.Format` and `States.StringSplit`.

use serde_json::Value;

use super::Arguments;
use super::text;
use crate::error::AslError;

/// A `States.Format` template cut at its `{}` placeholders.
pub(crate) struct Template {
    pieces: Vec<String>,
}

impl Template {
    /// A template written as a literal: `\{`, `\}`, `\'` and `\\` stand for the character,
    /// so an escaped brace never opens a placeholder.
    pub fn escaped(raw: &str) -> Template {
        let mut pieces = vec![String::new()];
        let mut characters = raw.chars().peekable();
        while let Some(c) = characters.next() {
            match c {
                '\\' => {
                    if let (Some(escaped), Some(piece)) = (characters.next(), pieces.last_mut()) {
                        piece.push(escaped);
                    }
                }
                '{' if characters.peek() == Some(&'}') => {
                    characters.next();
                    pieces.push(String::new());
                }
                c => {
                    if let Some(piece) = pieces.last_mut() {
                        piece.push(c);
                    }
                }
            }
        }
        Template { pieces }
    }

    /// A template read from the input: there are no escapes in a value, only placeholders.
    pub fn plain(text: &str) -> Template {
        Template {
            pieces: text.split("{}").map(str::to_string).collect(),
        }
    }

    fn placeholders(&self) -> usize {
        self.pieces.len().saturating_sub(1)
    }
}

pub(crate) fn format(template: &Template, arguments: &Arguments) -> Result<Value, AslError> {
    let values = arguments.values().get(1..).unwrap_or_default();
    if values.len() != template.placeholders() {
        return Err(arguments.invalid(format!(
            "the format string has {} placeholder(s) '{{}}' but {} value(s) were given",
            template.placeholders(),
            values.len()
        )));
    }
    let mut out = String::new();
    for (position, piece) in template.pieces.iter().enumerate() {
        out.push_str(piece);
        if let Some(value) = values.get(position) {
            out.push_str(&text::format_value(value));
        }
    }
    Ok(Value::String(out))
}

/// Splits at every character of the delimiter and drops empty pieces, as Java's
/// `StringTokenizer` does (`",a,,b"` split at `","` is `["a", "b"]`).
pub(crate) fn split(arguments: &Arguments) -> Result<Value, AslError> {
    let input = arguments.string(0)?;
    let delimiters: Vec<char> = arguments.string(1)?.chars().collect();
    let pieces = input
        .split(|c: char| delimiters.contains(&c))
        .filter(|piece| !piece.is_empty())
        .map(|piece| Value::String(piece.to_string()))
        .collect();
    Ok(Value::Array(pieces))
}

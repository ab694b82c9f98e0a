//! The parser of intrinsic calls: `States.Name(arg, ...)` where an argument is a quoted string
//! (`\'`, `\{`, `\}` and `\\` escape), a number, `true`, `false`, `null`, a path (`$...`,
//! `$$...`, `$var...`) or another call.

use serde_json::Value;

use super::{Argument, Call, Function};
use crate::path::Path;

/// Calls nested deeper than this are refused before they can exhaust the stack (AWS allows
/// ten functions in a field).
const MAX_DEPTH: usize = 32;

struct Parser<'s> {
    source: &'s str,
    position: usize,
}

pub(super) fn parse(source: &str) -> Result<Call, String> {
    let mut parser = Parser {
        source,
        position: 0,
    };
    let call = parser.call(0)?;
    parser.skip_whitespace();
    if !parser.rest().is_empty() {
        return Err(parser.error(format!("unexpected '{}' after the call", parser.rest())));
    }
    Ok(call)
}

impl<'s> Parser<'s> {
    fn rest(&self) -> &'s str {
        self.source.get(self.position..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.position += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, expected: char) -> bool {
        if self.peek() == Some(expected) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn error(&self, message: impl std::fmt::Display) -> String {
        format!(
            "{message} at position {} of '{}'",
            self.position, self.source
        )
    }

    fn call(&mut self, depth: usize) -> Result<Call, String> {
        if depth > MAX_DEPTH {
            return Err(self.error("intrinsic calls nested too deeply"));
        }
        let start = self.position;
        let mut name = String::new();
        while let Some(c) = self
            .peek()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        {
            name.push(c);
            self.bump();
        }
        let function = Function::from_name(&name).ok_or_else(|| {
            if name.starts_with("States.") {
                self.error(format!("unknown intrinsic function '{name}'"))
            } else {
                self.error("expected an intrinsic function call such as States.Format(...)")
            }
        })?;
        self.skip_whitespace();
        if !self.eat('(') {
            return Err(self.error(format!("expected '(' after {name}")));
        }
        let mut arguments = Vec::new();
        self.skip_whitespace();
        if !self.eat(')') {
            loop {
                self.skip_whitespace();
                arguments.push(self.argument(depth)?);
                self.skip_whitespace();
                if self.eat(',') {
                    continue;
                }
                if self.eat(')') {
                    break;
                }
                return Err(self.error(format!("expected ',' or ')' in the arguments of {name}")));
            }
        }
        let (least, most) = function.arity();
        let count = arguments.len();
        if count < least || most.is_some_and(|most| count > most) {
            let expected = match most {
                Some(most) if most == least => format!("{least}"),
                Some(most) => format!("{least} to {most}"),
                None => format!("at least {least}"),
            };
            return Err(format!(
                "{name} takes {expected} argument{}, but {count} {} given in '{}'",
                if expected == "1" { "" } else { "s" },
                if count == 1 { "was" } else { "were" },
                self.source
            ));
        }
        if function == Function::Format {
            if let Some(first) = arguments.first() {
                if matches!(first, Argument::Literal(_) | Argument::Call(_)) {
                    return Err(format!(
                        "the first argument of States.Format must be a string or a path in '{}'",
                        self.source
                    ));
                }
            }
        }
        let source = self
            .source
            .get(start..self.position)
            .unwrap_or_default()
            .to_string();
        Ok(Call {
            source,
            function,
            arguments,
        })
    }

    fn argument(&mut self, depth: usize) -> Result<Argument, String> {
        match self.peek() {
            Some('\'') => self.text(),
            Some('$') => self.path(),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            Some('S') if self.rest().starts_with("States.") => {
                Ok(Argument::Call(Box::new(self.call(depth + 1)?)))
            }
            _ => {
                for (word, value) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::Null),
                ] {
                    let rest = self.rest();
                    let boundary = rest
                        .get(word.len()..)
                        .and_then(|after| after.chars().next());
                    if rest.starts_with(word)
                        && !boundary.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    {
                        self.position += word.len();
                        return Ok(Argument::Literal(value));
                    }
                }
                Err(self.error("expected an argument: a 'string', a number, true, false, null, a path or a call"))
            }
        }
    }

    fn text(&mut self) -> Result<Argument, String> {
        self.bump(); // opening quote
        let mut value = String::new();
        let mut raw = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error("unterminated string")),
                Some('\\') => {
                    let escaped = self
                        .bump()
                        .ok_or_else(|| self.error("unterminated string"))?;
                    // AWS accepts only these four escapes in an intrinsic's string literal;
                    // `\"` and friends are rejected when the state machine is created.
                    if !matches!(escaped, '\'' | '{' | '}' | '\\') {
                        return Err(self.error(format!(
                            "illegal escape sequence '\\{escaped}' in a string literal (only \\', \\{{, \\}} and \\\\ are allowed)"
                        )));
                    }
                    raw.push('\\');
                    raw.push(escaped);
                    value.push(escaped);
                }
                Some('\'') => return Ok(Argument::Text { value, raw }),
                Some(c) => {
                    raw.push(c);
                    value.push(c);
                }
            }
        }
    }

    /// A path runs to the next `,` or `)` (or space) outside brackets, parentheses and quotes,
    /// so that `$.a[?(@.b == 'x, y')]` and `$.a.length()` stay whole.
    fn path(&mut self) -> Result<Argument, String> {
        let start = self.position;
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek() {
            if let Some(q) = quote {
                self.bump();
                if c == '\\' {
                    self.bump();
                } else if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                '\'' | '"' if depth > 0 => quote = Some(c),
                '[' | '(' => depth += 1,
                ']' | ')' if depth > 0 => depth -= 1,
                ',' | ')' if depth == 0 => break,
                c if c.is_whitespace() && depth == 0 => break,
                _ => {}
            }
            self.bump();
        }
        let text = self.source.get(start..self.position).unwrap_or_default();
        Path::parse(text)
            .map(Argument::Path)
            .map_err(|error| format!("invalid path argument: {error}"))
    }

    fn number(&mut self) -> Result<Argument, String> {
        let start = self.position;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        {
            self.bump();
        }
        let text = self.source.get(start..self.position).unwrap_or_default();
        match serde_json::from_str::<Value>(text) {
            Ok(number @ Value::Number(_)) => Ok(Argument::Literal(number)),
            _ => Err(self.error(format!("invalid number '{text}'"))),
        }
    }
}

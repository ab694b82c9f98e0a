//! The parsed form of a path and its parser (Jayway JsonPath syntax, as Step Functions accepts it).

use std::fmt::Write as _;

use super::PathError;
use super::filter::{self, Expr};

/// Deeper nesting than this (filters inside filters, parentheses) is refused rather than risk
/// the stack on hostile input; no real definition comes near it.
pub(crate) const MAX_NESTING: usize = 32;

/// What a path starts from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Root {
    /// `$`: the state's input (or the node a filter is applied to, for `@`).
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: a variable set by `Assign`.
    Variable(String),
    /// `@` inside a filter: the candidate node.
    Current,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Segment {
    /// `.name`, `[...]`.
    Child(Selector),
    /// `..name`, `..[...]`, `..*`: the selector applied to the node and all its descendants.
    Descendant(Selector),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Selector {
    Name(String),
    /// `['a','b']`.
    Names(Vec<String>),
    /// `[3]`, `[-1]` (from the end).
    Index(i64),
    /// `[0,2]`.
    Indexes(Vec<i64>),
    /// `[1:3]`, `[:2]`, `[-2:]` (Jayway has no step).
    Slice {
        start: Option<i64>,
        end: Option<i64>,
    },
    Wildcard,
    Filter(Box<Expr>),
}

/// Jayway's functions, allowed at the end of a path: `$.items.length()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Function {
    Length,
    Min,
    Max,
    Avg,
    Sum,
    Stddev,
    First,
    Last,
    Keys,
}

impl Function {
    fn from_name(name: &str) -> Option<Function> {
        Some(match name {
            "length" | "size" => Function::Length,
            "min" => Function::Min,
            "max" => Function::Max,
            "avg" => Function::Avg,
            "sum" => Function::Sum,
            "stddev" => Function::Stddev,
            "first" => Function::First,
            "last" => Function::Last,
            "keys" => Function::Keys,
            _ => return None,
        })
    }
}

/// A parsed path: root, segments and an optional trailing function.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Syntax {
    pub root: Root,
    pub segments: Vec<Segment>,
    pub function: Option<Function>,
}

impl Syntax {
    /// A definite path names at most one node: only single names and single indexes.
    pub fn is_definite(&self) -> bool {
        self.segments.iter().all(|segment| {
            matches!(
                segment,
                Segment::Child(Selector::Name(_) | Selector::Index(_))
            )
        })
    }

    /// Jayway's normalized form of the first `count` segments, used in its error messages:
    /// `$['a']['b'][0]`.
    pub fn normalized(&self, count: usize) -> String {
        let mut out = String::from("$");
        for segment in self.segments.iter().take(count) {
            let (prefix, selector) = match segment {
                Segment::Child(selector) => ("", selector),
                Segment::Descendant(selector) => ("..", selector),
            };
            out.push_str(prefix);
            match selector {
                Selector::Name(name) => {
                    let _ = write!(out, "['{name}']");
                }
                Selector::Names(names) => {
                    let quoted: Vec<String> =
                        names.iter().map(|name| format!("'{name}'")).collect();
                    let _ = write!(out, "[{}]", quoted.join(","));
                }
                Selector::Index(index) => {
                    let _ = write!(out, "[{index}]");
                }
                Selector::Indexes(indexes) => {
                    let list: Vec<String> = indexes.iter().map(i64::to_string).collect();
                    let _ = write!(out, "[{}]", list.join(","));
                }
                Selector::Slice { start, end } => {
                    let start = start.map(|s| s.to_string()).unwrap_or_default();
                    let end = end.map(|e| e.to_string()).unwrap_or_default();
                    let _ = write!(out, "[{start}:{end}]");
                }
                Selector::Wildcard => out.push_str("[*]"),
                Selector::Filter(_) => out.push_str("[?]"),
            }
        }
        out
    }
}

/// A position in the source text; every step goes by whole characters, so nothing slices a
/// multi-byte character in two.
pub(crate) struct Cursor<'s> {
    source: &'s str,
    position: usize,
    pub depth: usize,
}

impl<'s> Cursor<'s> {
    pub fn new(source: &'s str) -> Self {
        Cursor {
            source,
            position: 0,
            depth: 0,
        }
    }

    pub fn rest(&self) -> &'s str {
        self.source.get(self.position..).unwrap_or("")
    }

    pub fn position(&self) -> usize {
        self.position
    }

    pub fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub fn peek_second(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    pub fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.position += c.len_utf8();
        Some(c)
    }

    pub fn eat(&mut self, expected: char) -> bool {
        if self.peek() == Some(expected) {
            self.position += expected.len_utf8();
            true
        } else {
            false
        }
    }

    pub fn eat_str(&mut self, expected: &str) -> bool {
        if self.rest().starts_with(expected) {
            self.position += expected.len();
            true
        } else {
            false
        }
    }

    pub fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    pub fn is_at_end(&self) -> bool {
        self.position >= self.source.len()
    }

    pub fn error(&self, message: impl std::fmt::Display) -> PathError {
        PathError(format!(
            "{message} at position {} of '{}'",
            self.position, self.source
        ))
    }

    pub fn enter(&mut self) -> Result<(), PathError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error("nesting too deep"));
        }
        Ok(())
    }

    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}

/// Parses a whole path.
pub(crate) fn parse(source: &str) -> Result<Syntax, PathError> {
    let mut cursor = Cursor::new(source);
    let syntax = parse_from(&mut cursor, false)?;
    if !cursor.is_at_end() {
        return Err(cursor.error(format!("unexpected '{}'", cursor.rest())));
    }
    Ok(syntax)
}

/// Parses a path at the cursor. Inside a filter, a path ends where an operator, a space or a
/// closing parenthesis begins.
pub(crate) fn parse_from(cursor: &mut Cursor<'_>, in_filter: bool) -> Result<Syntax, PathError> {
    let root = match cursor.bump() {
        Some('$') => {
            if cursor.eat('$') {
                Root::Context
            } else if cursor.peek().is_some_and(is_variable_start) {
                let mut name = String::new();
                while let Some(c) = cursor.peek().filter(|c| is_variable_char(*c)) {
                    name.push(c);
                    cursor.bump();
                }
                Root::Variable(name)
            } else {
                Root::Input
            }
        }
        Some('@') if in_filter => Root::Current,
        _ => {
            return Err(PathError(format!(
                "a path must start with '$': '{}'",
                cursor.source
            )));
        }
    };
    let mut segments = Vec::new();
    let mut function = None;
    loop {
        match cursor.peek() {
            Some('.') => {
                cursor.bump();
                if cursor.eat('.') {
                    let selector = match cursor.peek() {
                        Some('[') => parse_bracket(cursor)?,
                        Some('*') => {
                            cursor.bump();
                            Selector::Wildcard
                        }
                        _ => Selector::Name(parse_dot_name(cursor, in_filter)?),
                    };
                    segments.push(Segment::Descendant(selector));
                    continue;
                }
                if cursor.eat('*') {
                    segments.push(Segment::Child(Selector::Wildcard));
                    continue;
                }
                let name = parse_dot_name(cursor, in_filter)?;
                if cursor.peek() == Some('(') {
                    cursor.bump();
                    cursor.skip_whitespace();
                    if !cursor.eat(')') {
                        return Err(cursor.error("path functions take no arguments"));
                    }
                    function = Some(
                        Function::from_name(&name)
                            .ok_or_else(|| cursor.error(format!("unknown function '{name}()'")))?,
                    );
                    break;
                }
                segments.push(Segment::Child(Selector::Name(name)));
            }
            Some('[') => segments.push(Segment::Child(parse_bracket(cursor)?)),
            _ => break,
        }
    }
    Ok(Syntax {
        root,
        segments,
        function,
    })
}

fn is_variable_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_variable_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// A name after `.`: everything up to the next `.`, `[`, `(` or space (Jayway allows `-`, `:`
/// and the like in dot notation). Inside a filter, operator characters end it too.
fn parse_dot_name(cursor: &mut Cursor<'_>, in_filter: bool) -> Result<String, PathError> {
    let mut name = String::new();
    while let Some(c) = cursor.peek() {
        let ends = matches!(c, '.' | '[' | '(' | ']' | '\'' | '"') || c.is_whitespace();
        let ends_in_filter =
            in_filter && matches!(c, ')' | '=' | '!' | '<' | '>' | '&' | '|' | ',' | '~');
        if ends || ends_in_filter {
            break;
        }
        name.push(c);
        cursor.bump();
    }
    if name.is_empty() {
        return Err(cursor.error("expected a property name"));
    }
    Ok(name)
}

fn parse_bracket(cursor: &mut Cursor<'_>) -> Result<Selector, PathError> {
    cursor.bump(); // '['
    cursor.skip_whitespace();
    let selector = match cursor.peek() {
        Some('*') => {
            cursor.bump();
            Selector::Wildcard
        }
        Some('?') => {
            cursor.bump();
            cursor.skip_whitespace();
            if !cursor.eat('(') {
                return Err(cursor.error("expected '(' after '?'"));
            }
            cursor.enter()?;
            let expr = filter::parse_expr(cursor)?;
            cursor.leave();
            cursor.skip_whitespace();
            if !cursor.eat(')') {
                return Err(cursor.error("expected ')' to close the filter"));
            }
            Selector::Filter(Box::new(expr))
        }
        Some('\'' | '"') => {
            let mut names = vec![parse_quoted(cursor)?];
            cursor.skip_whitespace();
            while cursor.eat(',') {
                cursor.skip_whitespace();
                names.push(parse_quoted(cursor)?);
                cursor.skip_whitespace();
            }
            if names.len() == 1 {
                Selector::Name(names.remove(0))
            } else {
                Selector::Names(names)
            }
        }
        Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => parse_indexes(cursor)?,
        _ => return Err(cursor.error("expected an index, a quoted name, '*' or a filter in '[]'")),
    };
    cursor.skip_whitespace();
    if !cursor.eat(']') {
        return Err(cursor.error("expected ']'"));
    }
    Ok(selector)
}

/// A quoted name in brackets. A backslash escapes the enclosing quote and itself; before any
/// other character it is kept, as AWS keeps it (`$['a\"b']` names the key `a\"b`).
pub(crate) fn parse_quoted(cursor: &mut Cursor<'_>) -> Result<String, PathError> {
    let quote = match cursor.bump() {
        Some(q @ ('\'' | '"')) => q,
        _ => return Err(cursor.error("expected a quoted name")),
    };
    let mut text = String::new();
    loop {
        match cursor.bump() {
            None => return Err(cursor.error("unterminated quoted name")),
            Some('\\') => match cursor.bump() {
                Some(c) if c == quote || c == '\\' => text.push(c),
                Some(c) => {
                    text.push('\\');
                    text.push(c);
                }
                None => return Err(cursor.error("unterminated quoted name")),
            },
            Some(c) if c == quote => return Ok(text),
            Some(c) => text.push(c),
        }
    }
}

fn parse_integer(cursor: &mut Cursor<'_>) -> Result<Option<i64>, PathError> {
    let start = cursor.position();
    let mut digits = String::new();
    if cursor.eat('-') {
        digits.push('-');
    }
    while let Some(c) = cursor.peek().filter(char::is_ascii_digit) {
        digits.push(c);
        cursor.bump();
    }
    if digits.is_empty() {
        return Ok(None);
    }
    digits
        .parse::<i64>()
        .map(Some)
        .map_err(|_| PathError(format!("invalid index '{digits}' at position {start}")))
}

fn parse_indexes(cursor: &mut Cursor<'_>) -> Result<Selector, PathError> {
    let first = parse_integer(cursor)?;
    cursor.skip_whitespace();
    if cursor.eat(':') {
        cursor.skip_whitespace();
        let end = parse_integer(cursor)?;
        cursor.skip_whitespace();
        if cursor.peek() == Some(':') {
            return Err(cursor.error("slices with a step are not supported"));
        }
        return Ok(Selector::Slice { start: first, end });
    }
    let first = first.ok_or_else(|| cursor.error("expected an index"))?;
    let mut indexes = vec![first];
    while cursor.eat(',') {
        cursor.skip_whitespace();
        indexes.push(parse_integer(cursor)?.ok_or_else(|| cursor.error("expected an index"))?);
        cursor.skip_whitespace();
    }
    Ok(if indexes.len() == 1 {
        Selector::Index(first)
    } else {
        Selector::Indexes(indexes)
    })
}

//! Filter expressions (`[?(@.price < 10 && @.tags)]`): their parser and their evaluation,
//! with Jayway's operators (`==`, `=~`, `in`, `subsetof`, `size`, `empty`, ...).

use std::cmp::Ordering;

use serde_json::Value;

use super::PathError;
use super::compare;
use super::select::{self, Scope};
use super::syntax::{self, Cursor, Root, Syntax};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// A bare path: true when it names something.
    Exists(Syntax),
    Compare(Operand, Relation, Operand),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    Path(Syntax),
    Literal(Value),
    Regex(Pattern),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Relation {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Matches,
    In,
    NotIn,
    SubsetOf,
    AnyOf,
    NoneOf,
    Size,
    Empty,
    Contains,
}

/// A `/regex/flags` literal, matched against the whole string as Java's `Matcher.matches`.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    source: String,
    regex: regex::Regex,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

pub(crate) fn parse_expr(cursor: &mut Cursor<'_>) -> Result<Expr, PathError> {
    let mut left = parse_and(cursor)?;
    loop {
        cursor.skip_whitespace();
        if !cursor.eat_str("||") {
            return Ok(left);
        }
        let right = parse_and(cursor)?;
        left = Expr::Or(Box::new(left), Box::new(right));
    }
}

fn parse_and(cursor: &mut Cursor<'_>) -> Result<Expr, PathError> {
    let mut left = parse_unary(cursor)?;
    loop {
        cursor.skip_whitespace();
        if !cursor.eat_str("&&") {
            return Ok(left);
        }
        let right = parse_unary(cursor)?;
        left = Expr::And(Box::new(left), Box::new(right));
    }
}

fn parse_unary(cursor: &mut Cursor<'_>) -> Result<Expr, PathError> {
    cursor.skip_whitespace();
    if cursor.peek() == Some('!') && cursor.peek_second() != Some('=') {
        cursor.bump();
        cursor.enter()?;
        let inner = parse_unary(cursor)?;
        cursor.leave();
        return Ok(Expr::Not(Box::new(inner)));
    }
    if cursor.peek() == Some('(') {
        cursor.bump();
        cursor.enter()?;
        let inner = parse_expr(cursor)?;
        cursor.leave();
        cursor.skip_whitespace();
        if !cursor.eat(')') {
            return Err(cursor.error("expected ')'"));
        }
        return Ok(inner);
    }
    let left = parse_operand(cursor)?;
    cursor.skip_whitespace();
    match parse_relation(cursor) {
        Some(relation) => {
            cursor.skip_whitespace();
            let right = parse_operand(cursor)?;
            Ok(Expr::Compare(left, relation, right))
        }
        None => match left {
            Operand::Path(path) => Ok(Expr::Exists(path)),
            _ => Err(cursor.error("expected a comparison operator")),
        },
    }
}

fn parse_relation(cursor: &mut Cursor<'_>) -> Option<Relation> {
    const SYMBOLS: [(&str, Relation); 7] = [
        ("==", Relation::Equal),
        ("!=", Relation::NotEqual),
        ("<=", Relation::LessOrEqual),
        (">=", Relation::GreaterOrEqual),
        ("=~", Relation::Matches),
        ("<", Relation::Less),
        (">", Relation::Greater),
    ];
    const WORDS: [(&str, Relation); 8] = [
        ("nin", Relation::NotIn),
        ("in", Relation::In),
        ("subsetof", Relation::SubsetOf),
        ("anyof", Relation::AnyOf),
        ("noneof", Relation::NoneOf),
        ("size", Relation::Size),
        ("empty", Relation::Empty),
        ("contains", Relation::Contains),
    ];
    for (symbol, relation) in SYMBOLS {
        if cursor.eat_str(symbol) {
            return Some(relation);
        }
    }
    for (word, relation) in WORDS {
        let rest = cursor.rest();
        let followed_by_space = rest
            .get(word.len()..)
            .and_then(|after| after.chars().next())
            .is_some_and(char::is_whitespace);
        if rest.starts_with(word) && followed_by_space {
            cursor.eat_str(word);
            return Some(relation);
        }
    }
    None
}

fn parse_operand(cursor: &mut Cursor<'_>) -> Result<Operand, PathError> {
    match cursor.peek() {
        Some('@' | '$') => Ok(Operand::Path(syntax::parse_from(cursor, true)?)),
        Some('\'' | '"') => Ok(Operand::Literal(Value::String(syntax::parse_quoted(
            cursor,
        )?))),
        Some('/') => parse_regex(cursor).map(Operand::Regex),
        Some('[' | '{') => parse_json(cursor).map(Operand::Literal),
        Some(c) if c == '-' || c.is_ascii_digit() => parse_number(cursor).map(Operand::Literal),
        _ => {
            for (word, value) in [
                ("true", Value::Bool(true)),
                ("false", Value::Bool(false)),
                ("null", Value::Null),
            ] {
                if cursor.eat_str(word) {
                    return Ok(Operand::Literal(value));
                }
            }
            Err(cursor.error("expected a value, a path or a regular expression"))
        }
    }
}

fn parse_number(cursor: &mut Cursor<'_>) -> Result<Value, PathError> {
    let mut text = String::new();
    while let Some(c) = cursor
        .peek()
        .filter(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
    {
        text.push(c);
        cursor.bump();
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(number @ Value::Number(_)) => Ok(number),
        _ => Err(cursor.error(format!("invalid number '{text}'"))),
    }
}

/// A JSON array or object literal (`in ['a','b']` accepts Jayway's single quotes too).
fn parse_json(cursor: &mut Cursor<'_>) -> Result<Value, PathError> {
    let rest = cursor.rest();
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
    if let Some(Ok(value)) = stream.next() {
        let consumed = stream.byte_offset();
        // Advance character by character so the cursor stays on a boundary.
        let target = cursor.position() + consumed;
        while cursor.position() < target && cursor.bump().is_some() {}
        return Ok(value);
    }
    if cursor.peek() != Some('[') {
        return Err(cursor.error("invalid JSON literal"));
    }
    cursor.bump();
    let mut items = Vec::new();
    loop {
        cursor.skip_whitespace();
        if cursor.eat(']') {
            return Ok(Value::Array(items));
        }
        if !items.is_empty() {
            if !cursor.eat(',') {
                return Err(cursor.error("expected ',' or ']'"));
            }
            cursor.skip_whitespace();
        }
        match parse_operand(cursor)? {
            Operand::Literal(value) => items.push(value),
            _ => return Err(cursor.error("expected a literal in the list")),
        }
    }
}

fn parse_regex(cursor: &mut Cursor<'_>) -> Result<Pattern, PathError> {
    cursor.bump(); // '/'
    let mut body = String::new();
    loop {
        match cursor.bump() {
            None => return Err(cursor.error("unterminated regular expression")),
            Some('\\') => match cursor.bump() {
                Some('/') => body.push('/'),
                Some(c) => {
                    body.push('\\');
                    body.push(c);
                }
                None => return Err(cursor.error("unterminated regular expression")),
            },
            Some('/') => break,
            Some(c) => body.push(c),
        }
    }
    let mut flags = String::new();
    while let Some(c) = cursor.peek().filter(|c| matches!(c, 'i' | 'm' | 's' | 'x')) {
        if !flags.contains(c) {
            flags.push(c);
        }
        cursor.bump();
    }
    let source = if flags.is_empty() {
        format!("^(?:{body})$")
    } else {
        format!("(?{flags})^(?:{body})$")
    };
    let regex = regex::RegexBuilder::new(&source)
        .size_limit(1 << 20)
        .nest_limit(64)
        .build()
        .map_err(|error| cursor.error(format!("invalid regular expression: {error}")))?;
    Ok(Pattern { source, regex })
}

/// Whether `current` (the candidate node) passes the filter.
pub(crate) fn test(expr: &Expr, current: &Value, scope: &Scope<'_>) -> bool {
    match expr {
        Expr::Or(left, right) => test(left, current, scope) || test(right, current, scope),
        Expr::And(left, right) => test(left, current, scope) && test(right, current, scope),
        Expr::Not(inner) => !test(inner, current, scope),
        Expr::Exists(path) => match resolve(path, current, scope) {
            Some(Value::Array(items)) if !path.is_definite() => !items.is_empty(),
            Some(_) => true,
            None => false,
        },
        Expr::Compare(left, relation, right) => {
            let left_value = operand_value(left, current, scope);
            if let (Relation::Matches, Operand::Regex(pattern)) = (relation, right) {
                return matches!(&left_value, Some(Value::String(text)) if pattern.regex.is_match(text));
            }
            let right_value = operand_value(right, current, scope);
            relate(left_value.as_ref(), *relation, right_value.as_ref())
        }
    }
}

fn resolve(path: &Syntax, current: &Value, scope: &Scope<'_>) -> Option<Value> {
    let document = match &path.root {
        Root::Current => Some(current),
        _ => None,
    };
    select::evaluate(path, scope, document).ok().flatten()
}

fn operand_value(operand: &Operand, current: &Value, scope: &Scope<'_>) -> Option<Value> {
    match operand {
        Operand::Path(path) => resolve(path, current, scope),
        Operand::Literal(value) => Some(value.clone()),
        Operand::Regex(_) => None,
    }
}

fn relate(left: Option<&Value>, relation: Relation, right: Option<&Value>) -> bool {
    let contains =
        |list: &[Value], item: &Value| list.iter().any(|candidate| compare::equal(candidate, item));
    match relation {
        Relation::Equal => matches!((left, right), (Some(l), Some(r)) if compare::equal(l, r)),
        Relation::NotEqual => !relate(left, Relation::Equal, right),
        Relation::Less | Relation::LessOrEqual | Relation::Greater | Relation::GreaterOrEqual => {
            let ordering = match (left, right) {
                (Some(Value::Number(l)), Some(Value::Number(r))) => compare::numbers(l, r),
                (Some(Value::String(l)), Some(Value::String(r))) => Some(compare::strings(l, r)),
                _ => None,
            };
            match ordering {
                None => false,
                Some(ordering) => match relation {
                    Relation::Less => ordering == Ordering::Less,
                    Relation::LessOrEqual => ordering != Ordering::Greater,
                    Relation::Greater => ordering == Ordering::Greater,
                    _ => ordering != Ordering::Less,
                },
            }
        }
        Relation::Matches => false,
        Relation::In => {
            matches!((left, right), (Some(l), Some(Value::Array(list))) if contains(list, l))
        }
        Relation::NotIn => !relate(left, Relation::In, right),
        Relation::SubsetOf => matches!((left, right),
            (Some(Value::Array(items)), Some(Value::Array(list))) if items.iter().all(|i| contains(list, i))),
        Relation::AnyOf => matches!((left, right),
            (Some(Value::Array(items)), Some(Value::Array(list))) if items.iter().any(|i| contains(list, i))),
        Relation::NoneOf => matches!((left, right),
            (Some(Value::Array(items)), Some(Value::Array(list))) if !items.iter().any(|i| contains(list, i))),
        Relation::Size => {
            let length = match left {
                Some(Value::Array(items)) => items.len(),
                Some(Value::String(text)) => text.encode_utf16().count(),
                _ => return false,
            };
            matches!(right, Some(Value::Number(n)) if n.as_u64() == Some(length as u64))
        }
        Relation::Empty => {
            let empty = match left {
                Some(Value::Array(items)) => items.is_empty(),
                Some(Value::String(text)) => text.is_empty(),
                _ => return false,
            };
            right == Some(&Value::Bool(empty))
        }
        Relation::Contains => match (left, right) {
            (Some(Value::Array(items)), Some(item)) => contains(items, item),
            (Some(Value::String(text)), Some(Value::String(part))) => text.contains(part.as_str()),
            _ => false,
        },
    }
}

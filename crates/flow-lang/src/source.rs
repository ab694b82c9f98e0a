//! Definition text: the JSON value, and where in the text each JSON pointer is.
//!
//! serde_json parses the value (so numbers and strings mean exactly what they mean everywhere
//! else in flow, and bad JSON is reported with serde_json's line:column). A small scanner then
//! walks the already-accepted text to find every key that appears twice in one object:
//! serde_json keeps the last duplicate silently, but a duplicated state name is an error in
//! ASL. Where each pointer is written (line:column of its key, for object members, or of its
//! value, for array elements) is only needed to show a diagnostic, so the same scanner records
//! it on the first call to [`Source::position`], not on every load: for a 10,000-state
//! definition the map of every pointer cost more than parsing the JSON. A dedicated scanner
//! costs ~150 lines and no dependency, and since it only ever sees text serde_json accepted,
//! it need not handle malformed input.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde_json::Value;

use crate::diagnostic::Diagnostic;

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// A definition's text, parsed.
#[derive(Debug, Clone)]
pub struct Source {
    pub value: Value,
    text: String,
    /// Every pointer's position, scanned when first asked for.
    positions: OnceLock<HashMap<String, Position>>,
    /// Pointers of the second (and later) occurrences of a key within one object.
    pub duplicate_keys: Vec<String>,
}

impl Source {
    /// Parses `text`; invalid JSON is one diagnostic at the root with serde_json's line:column.
    pub fn parse(text: &str) -> Result<Source, Diagnostic> {
        let value: Value = serde_json::from_str(text).map_err(|error| {
            let mut diagnostic =
                Diagnostic::new("", format!("invalid JSON: {}", json_error_message(&error)));
            if error.line() > 0 {
                diagnostic.line = Some(error.line());
                diagnostic.column = Some(error.column().max(1));
            }
            diagnostic
        })?;
        let duplicate_keys = Scanner::new(text, false).scan().duplicates;
        Ok(Source {
            value,
            text: text.to_string(),
            positions: OnceLock::new(),
            duplicate_keys,
        })
    }

    /// Where the member or element at `pointer` is written; for a pointer that does not exist
    /// (a missing field), the nearest enclosing one that does.
    pub fn position(&self, pointer: &str) -> Option<Position> {
        let positions = self
            .positions
            .get_or_init(|| Scanner::new(&self.text, true).scan().positions);
        let mut pointer = pointer;
        loop {
            if let Some(position) = positions.get(pointer) {
                return Some(*position);
            }
            let cut = pointer.rfind('/')?;
            pointer = &pointer[..cut];
        }
    }

    /// Fills in line and column of every diagnostic that lacks them.
    pub fn locate(&self, diagnostics: &mut [Diagnostic]) {
        for diagnostic in diagnostics.iter_mut().filter(|d| d.line.is_none()) {
            if let Some(position) = self.position(&diagnostic.pointer) {
                diagnostic.line = Some(position.line);
                diagnostic.column = Some(position.column);
            }
        }
    }
}

/// serde_json's message without its trailing " at line L column C", which we show apart.
fn json_error_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_string(),
        None => message,
    }
}

/// Escapes one reference token of a JSON pointer (RFC 6901).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// `parent` + `/` + the escaped token.
pub fn child_pointer(parent: &str, token: &str) -> String {
    format!("{parent}/{}", escape_token(token))
}

/// One walk over accepted JSON text. `pointer` is the pointer of the value being scanned,
/// one buffer extended and cut back as the walk goes down and up, so a pointer string is
/// only allocated for what is kept.
struct Scanner<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
    column: usize,
    pointer: String,
    /// Whether to record `positions` (see [`Source::position`]).
    record: bool,
    positions: HashMap<String, Position>,
    duplicates: Vec<String>,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str, record: bool) -> Scanner<'a> {
        Scanner {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
            column: 1,
            pointer: String::new(),
            record,
            positions: HashMap::new(),
            duplicates: Vec::new(),
        }
    }

    fn scan(mut self) -> Self {
        self.skip_whitespace();
        self.mark(self.position());
        self.value();
        self
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.offset).copied()
    }

    fn bump(&mut self) {
        let Some(byte) = self.peek() else { return };
        self.offset += 1;
        if byte == b'\n' {
            self.line += 1;
            self.column = 1;
        } else if byte & 0xC0 != 0x80 {
            // Continuation bytes of a UTF-8 sequence do not start a new column.
            self.column += 1;
        }
    }

    fn position(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }

    /// Records `at` for the current pointer (the first occurrence wins).
    fn mark(&mut self, at: Position) {
        if self.record && !self.positions.contains_key(&self.pointer) {
            self.positions.insert(self.pointer.clone(), at);
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    /// Scans the value starting here (whitespace already skipped), whose pointer is
    /// `self.pointer`.
    fn value(&mut self) {
        let depth = self.pointer.len();
        match self.peek() {
            Some(b'{') => {
                self.bump();
                let mut seen = HashSet::new();
                loop {
                    self.skip_whitespace();
                    match self.peek() {
                        Some(b'}') | None => {
                            self.bump();
                            return;
                        }
                        Some(b',') => {
                            self.bump();
                            continue;
                        }
                        _ => {}
                    }
                    let at = self.position();
                    let key = self.string();
                    self.pointer.push('/');
                    self.pointer.push_str(&escape_token(&key));
                    if !seen.insert(key) {
                        self.duplicates.push(self.pointer.clone());
                    }
                    self.positions_insert_member(at);
                    self.skip_whitespace();
                    self.bump(); // ':'
                    self.skip_whitespace();
                    self.value();
                    self.pointer.truncate(depth);
                }
            }
            Some(b'[') => {
                self.bump();
                let mut index = 0usize;
                loop {
                    self.skip_whitespace();
                    match self.peek() {
                        Some(b']') | None => {
                            self.bump();
                            return;
                        }
                        Some(b',') => {
                            self.bump();
                            continue;
                        }
                        _ => {}
                    }
                    use std::fmt::Write as _;
                    let _ = write!(self.pointer, "/{index}");
                    self.mark(self.position());
                    self.value();
                    self.pointer.truncate(depth);
                    index += 1;
                }
            }
            Some(b'"') => {
                self.mark(self.position());
                self.string();
            }
            _ => {
                self.mark(self.position());
                while matches!(self.peek(), Some(b) if !matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                {
                    self.bump();
                }
            }
        }
    }

    /// An object member is placed at its key (a later duplicate replaces the earlier one, as
    /// serde_json keeps the later value).
    fn positions_insert_member(&mut self, at: Position) {
        if self.record {
            self.positions.insert(self.pointer.clone(), at);
        }
    }

    /// Scans a string literal and returns it decoded (borrowed when it has no escapes).
    fn string(&mut self) -> Cow<'a, str> {
        let start = self.offset;
        let mut escaped = false;
        self.bump(); // opening quote
        while let Some(byte) = self.peek() {
            match byte {
                b'\\' => {
                    escaped = true;
                    self.bump();
                    self.bump();
                }
                b'"' => {
                    self.bump();
                    break;
                }
                _ => self.bump(),
            }
        }
        let text: &'a [u8] = self.text;
        let literal = std::str::from_utf8(&text[start..self.offset]).unwrap_or("\"\"");
        if escaped {
            Cow::Owned(serde_json::from_str(literal).unwrap_or_default())
        } else {
            Cow::Borrowed(&literal[1..literal.len().saturating_sub(1).max(1)])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_duplicates() {
        let text = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\"},\n    \"A\": [1, \"é\", {\"x/y\": 2}]\n  }\n}";
        let source = Source::parse(text).unwrap();
        assert_eq!(
            source.position("/StartAt"),
            Some(Position { line: 2, column: 3 })
        );
        assert_eq!(source.position(""), Some(Position { line: 1, column: 1 }));
        assert_eq!(source.duplicate_keys, vec!["/States/A".to_string()]);
        assert_eq!(
            source.position("/States/A/2/x~1y"),
            Some(Position {
                line: 5,
                column: 20
            })
        );
        assert_eq!(
            source.position("/States/Missing/Next"),
            Some(Position { line: 3, column: 3 })
        );
    }

    #[test]
    fn bad_json_has_a_position() {
        let error = Source::parse("{\n  \"a\": 1,\n}").unwrap_err();
        assert_eq!((error.line, error.column), (Some(3), Some(1)));
    }
}

//! Definition text: the JSON value, and where in the text each JSON pointer is.
//!
//! serde_json parses the value (so numbers and strings mean exactly what they mean everywhere
//! else in flow, and bad JSON is reported with serde_json's line:column). A small scanner then
//! walks the already-accepted text once to record, for every JSON pointer, the line:column of
//! its key (object members) or value (array elements), and every key that appears twice in
//! one object: serde_json keeps the last duplicate silently, but a duplicated state name is an
//! error in ASL. A dedicated scanner costs ~150 lines and no dependency, and since it only ever
//! sees text serde_json accepted, it need not handle malformed input.

use std::collections::HashMap;

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
    positions: HashMap<String, Position>,
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
        let mut scanner = Scanner {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
            column: 1,
            positions: HashMap::new(),
            duplicates: Vec::new(),
        };
        scanner.skip_whitespace();
        let root = scanner.position();
        scanner.positions.insert(String::new(), root);
        scanner.value(String::new());
        Ok(Source {
            value,
            positions: scanner.positions,
            duplicate_keys: scanner.duplicates,
        })
    }

    /// Where the member or element at `pointer` is written; for a pointer that does not exist
    /// (a missing field), the nearest enclosing one that does.
    pub fn position(&self, pointer: &str) -> Option<Position> {
        let mut pointer = pointer;
        loop {
            if let Some(position) = self.positions.get(pointer) {
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

struct Scanner<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
    column: usize,
    positions: HashMap<String, Position>,
    duplicates: Vec<String>,
}

impl Scanner<'_> {
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

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    /// Scans the value starting here (whitespace already skipped), recording nested pointers.
    fn value(&mut self, pointer: String) {
        match self.peek() {
            Some(b'{') => {
                self.bump();
                let mut seen = std::collections::HashSet::new();
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
                    let member = child_pointer(&pointer, &key);
                    if !seen.insert(key) {
                        self.duplicates.push(member.clone());
                    }
                    self.positions.insert(member.clone(), at);
                    self.skip_whitespace();
                    self.bump(); // ':'
                    self.skip_whitespace();
                    self.value(member);
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
                    let element = format!("{pointer}/{index}");
                    let at = self.position();
                    self.positions.entry(element.clone()).or_insert(at);
                    self.value(element);
                    index += 1;
                }
            }
            Some(b'"') => {
                let at = self.position();
                self.positions.entry(pointer).or_insert(at);
                self.string();
            }
            _ => {
                let at = self.position();
                self.positions.entry(pointer).or_insert(at);
                while matches!(self.peek(), Some(b) if !matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                {
                    self.bump();
                }
            }
        }
    }

    /// Scans a string literal and returns it decoded.
    fn string(&mut self) -> String {
        let start = self.offset;
        self.bump(); // opening quote
        while let Some(byte) = self.peek() {
            match byte {
                b'\\' => {
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
        let literal = std::str::from_utf8(&self.text[start..self.offset]).unwrap_or("\"\"");
        serde_json::from_str(literal).unwrap_or_default()
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

//! Problems found in a definition, each tied to a place in the file.

/// One problem, at a JSON pointer of the definition. `line`/`column` (1-based) are filled in
/// from the source text when it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub pointer: String,
    pub message: String,
    /// A suggestion such as `did you mean "ResultPath"?`.
    pub hint: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Diagnostic {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            pointer: pointer.into(),
            message: message.into(),
            hint: None,
            line: None,
            column: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Every problem of a definition, in the order found.
pub type Diagnostics = Vec<Diagnostic>;

//! Showing problems to a human on stderr: definition diagnostics rendered like rustc's (the
//! message, the file position and JSON pointer, the source line with a caret, a hint), and
//! command errors with their chain of causes. Colour only on a terminal and without NO_COLOR.

use std::fmt::Write;
use std::io::IsTerminal;

use flow_lang::Diagnostic;

/// ANSI styles, or nothing when colour is off.
struct Palette {
    error: &'static str,
    accent: &'static str,
    hint: &'static str,
    bold: &'static str,
    reset: &'static str,
}

impl Palette {
    fn new(colour: bool) -> Palette {
        if colour {
            Palette {
                error: "\x1b[1;31m",
                accent: "\x1b[1;34m",
                hint: "\x1b[1;36m",
                bold: "\x1b[1m",
                reset: "\x1b[0m",
            }
        } else {
            Palette {
                error: "",
                accent: "",
                hint: "",
                bold: "",
                reset: "",
            }
        }
    }
}

/// Colour when stderr is a terminal and NO_COLOR is unset or empty (no-color.org).
pub fn stderr_colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn print_diagnostics(file: &str, text: &str, diagnostics: &[Diagnostic]) {
    eprint!(
        "{}",
        render_diagnostics(file, text, diagnostics, stderr_colour())
    );
}

pub fn print_error(error: &anyhow::Error) {
    let p = Palette::new(stderr_colour());
    eprintln!("{}error{}{}: {error}{}", p.error, p.reset, p.bold, p.reset);
    for cause in error.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}

/// Every diagnostic, then a count.
pub fn render_diagnostics(
    file: &str,
    text: &str,
    diagnostics: &[Diagnostic],
    colour: bool,
) -> String {
    let p = Palette::new(colour);
    let lines: Vec<&str> = text.lines().collect();
    let width = diagnostics
        .iter()
        .filter_map(|d| d.line)
        .max()
        .unwrap_or(1)
        .to_string()
        .len();
    let gutter = " ".repeat(width);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let _ = writeln!(
            out,
            "{}error{}{}: {}{}",
            p.error, p.reset, p.bold, diagnostic.message, p.reset
        );
        let pointer = if diagnostic.pointer.is_empty() {
            "/"
        } else {
            &diagnostic.pointer
        };
        match (diagnostic.line, diagnostic.column) {
            (Some(line), Some(column)) => {
                let _ = writeln!(
                    out,
                    "{gutter}{}-->{} {file}:{line}:{column} at {pointer}",
                    p.accent, p.reset
                );
                if let Some(source) = lines.get(line - 1) {
                    let _ = writeln!(out, "{gutter} {}|{}", p.accent, p.reset);
                    let _ = writeln!(out, "{}{line:>width$} |{} {source}", p.accent, p.reset);
                    let (padding, length) = underline(source, column);
                    let _ = writeln!(
                        out,
                        "{gutter} {}|{} {padding}{}{}{}",
                        p.accent,
                        p.reset,
                        p.error,
                        "^".repeat(length),
                        p.reset
                    );
                }
            }
            _ => {
                let _ = writeln!(
                    out,
                    "{gutter}{}-->{} {file} at {pointer}",
                    p.accent, p.reset
                );
            }
        }
        if let Some(hint) = &diagnostic.hint {
            let _ = writeln!(out, "{gutter} {}= hint:{} {hint}", p.hint, p.reset);
        }
        out.push('\n');
    }
    let count = diagnostics.len();
    let noun = if count == 1 { "problem" } else { "problems" };
    let _ = writeln!(
        out,
        "{}error{}{}: {file}: {count} {noun} found{}",
        p.error, p.reset, p.bold, p.reset
    );
    out
}

/// The padding before the caret (tabs kept, so that it lines up) and how many carets: a whole
/// string literal when the column starts one, else one.
fn underline(source: &str, column: usize) -> (String, usize) {
    let chars: Vec<char> = source.chars().collect();
    let start = column.saturating_sub(1).min(chars.len());
    let padding = chars[..start]
        .iter()
        .map(|c| if *c == '\t' { '\t' } else { ' ' })
        .collect();
    let mut length = 1;
    if chars.get(start) == Some(&'"') {
        let mut escaped = false;
        for (offset, c) in chars[start + 1..].iter().enumerate() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    length = offset + 2;
                    break;
                }
                _ => escaped = false,
            }
        }
    }
    (padding, length)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_under_a_string() {
        assert_eq!(underline("  \"Ab\\\"c\": 1", 3), ("  ".to_string(), 7));
        assert_eq!(underline("\t1", 2), ("\t".to_string(), 1));
    }
}

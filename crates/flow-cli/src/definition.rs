//! Reading a definition file for any command: load and validate it, and on failure show every
//! diagnostic on stderr.

use std::path::Path;

use anyhow::Context;
use flow_lang::ValidatedMachine;

/// The validated definition, or `None` once its diagnostics have been printed (exit code 2).
/// An unreadable file is an error naming it.
pub fn load(path: &Path) -> anyhow::Result<Option<ValidatedMachine>> {
    Ok(load_text(path)?.map(|(_, machine)| machine))
}

/// [`load`], with the text that was validated (what `flow run` records: reading the file a
/// second time could record another version than the one checked).
pub fn load_text(path: &Path) -> anyhow::Result<Option<(String, ValidatedMachine)>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the definition file \"{}\"", path.display()))?;
    match flow_lang::load_with(&text, &crate::resources::validators()) {
        Ok(machine) => Ok(Some((text, machine))),
        Err(diagnostics) => {
            crate::diagnostics::print_diagnostics(&path.display().to_string(), &text, &diagnostics);
            Ok(None)
        }
    }
}

//! Files the scenarios read: tokens minted by `veza admin mint-tokens`, and id lists.

use crate::report::Error;
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct Minted {
    token: String,
}

/// The non-empty, trimmed lines of a file.
pub fn lines(path: &Path) -> Result<Vec<String>, Error> {
    Ok(std::fs::read_to_string(path)?.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect())
}

/// The access tokens of a `mint-tokens` file (JSON lines `{id, username, token}`); none is an error.
pub fn tokens(path: &Path) -> Result<Vec<String>, Error> {
    let tokens: Vec<String> =
        lines(path)?.iter().filter_map(|l| serde_json::from_str::<Minted>(l).ok()).map(|m| m.token).collect();
    if tokens.is_empty() {
        return Err(Error::Usage(format!("no tokens in {}", path.display())));
    }
    Ok(tokens)
}

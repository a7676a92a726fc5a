//! Settings an operator pins through the environment: `VEZA_SETTING__A__B=<json>` pins `a.b`
//! (read here, outside the typed configuration, which refuses unknown keys). A pinned key's
//! value wins over the stored one on this node, shows as locked, and cannot be changed through
//! the API or the CLI (409 `setting_locked`).

use super::SettingsError;
use super::keys::{known, validate};
use serde_json::Value;
use std::collections::HashMap;

const PREFIX: &str = "VEZA_SETTING__";

/// The pinned keys of `vars` (the process environment in production), each checked like a PUT.
pub fn from_vars(vars: impl Iterator<Item = (String, String)>) -> Result<HashMap<String, Value>, SettingsError> {
    let mut locked = HashMap::new();
    for (name, raw) in vars {
        let Some(rest) = name.strip_prefix(PREFIX) else { continue };
        let key = rest.split("__").map(str::to_lowercase).collect::<Vec<_>>().join(".");
        let Some(k) = known(&key) else { return Err(SettingsError::Unknown(format!("{key} (from {name})"))) };
        let value: Value = serde_json::from_str(&raw)
            .map_err(|e| SettingsError::Invalid(key.clone(), format!("{name} is not JSON: {e}")))?;
        validate(k.key, &value)?;
        locked.insert(key, value);
    }
    Ok(locked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(v: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        v.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn pinned_keys_are_read_and_checked() {
        let got = from_vars(vars(&[
            ("VEZA_SETTING__REGISTRATION__OPEN", "false"),
            ("VEZA_SETTING__CHAT__BANNED_WORDS", r#"["x"]"#),
            ("VEZA__SERVER__PORT", "1"),
        ]));
        let got = got.ok().unwrap_or_default();
        assert_eq!(got.get("registration.open"), Some(&json!(false)));
        assert_eq!(got.get("chat.banned_words"), Some(&json!(["x"])));
        assert_eq!(got.len(), 2);
        assert!(from_vars(vars(&[("VEZA_SETTING__NO__SUCH", "1")])).is_err());
        assert!(from_vars(vars(&[("VEZA_SETTING__REGISTRATION__OPEN", "yes")])).is_err());
        assert!(from_vars(vars(&[("VEZA_SETTING__REGISTRATION__OPEN", "{")])).is_err());
    }
}

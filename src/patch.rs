//! PATCH bodies: tell "absent" (keep) from `null` (clear) from a value (set).

use serde::{Deserialize, Deserializer};

/// For `#[serde(default, deserialize_with = "crate::patch::double_option")]` on an
/// `Option<Option<T>>`: absent is `None`, `null` is `Some(None)`, a value is `Some(Some(v))`.
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct P {
        #[serde(default, deserialize_with = "super::double_option")]
        v: Option<Option<u8>>,
    }

    #[test]
    fn absent_null_and_value_differ() {
        let parse = |s: &str| serde_json::from_str::<P>(s).map(|p| p.v).ok();
        assert_eq!(parse("{}"), Some(None));
        assert_eq!(parse(r#"{"v":null}"#), Some(Some(None)));
        assert_eq!(parse(r#"{"v":3}"#), Some(Some(Some(3))));
    }
}

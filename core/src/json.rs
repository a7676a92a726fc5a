//! JSON numbers as JSON Schema counts them: `8.0` is an integer there (a number whose
//! fraction is zero), and clients that compute amounts in floating point send it so. serde's
//! integers refuse it; `whole` takes it, and still refuses `8.5` and anything out of range.

use serde::de::{Deserializer, Error, Unexpected, Visitor};
use std::fmt;
use std::marker::PhantomData;

struct Whole<T>(PhantomData<T>);

impl<T: TryFrom<i64> + TryFrom<u64>> Visitor<'_> for Whole<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer")
    }

    fn visit_i64<E: Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(Unexpected::Signed(v), &"an integer in range"))
    }

    fn visit_u64<E: Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &"an integer in range"))
    }

    fn visit_f64<E: Error>(self, v: f64) -> Result<T, E> {
        // Exactly representable and whole: 2^63 is the first f64 past i64.
        if v.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&v) {
            self.visit_i64(v as i64)
        } else {
            Err(E::invalid_type(Unexpected::Float(v), &"an integer"))
        }
    }
}

/// An integer field that also takes a whole float (`#[serde(deserialize_with = "whole")]`).
pub fn whole<'de, D: Deserializer<'de>, T: TryFrom<i64> + TryFrom<u64>>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(Whole(PhantomData))
}

/// `whole` for an optional field (`#[serde(default, deserialize_with = "whole_opt")]`).
pub fn whole_opt<'de, D: Deserializer<'de>, T: TryFrom<i64> + TryFrom<u64>>(d: D) -> Result<Option<T>, D::Error> {
    struct Opt<T>(PhantomData<T>);
    impl<'de, T: TryFrom<i64> + TryFrom<u64>> Visitor<'de> for Opt<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an integer or null")
        }
        fn visit_none<E: Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_unit<E: Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
            whole(d).map(Some)
        }
    }
    d.deserialize_option(Opt(PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct N {
        #[serde(deserialize_with = "whole")]
        a: i64,
        #[serde(default, deserialize_with = "whole_opt")]
        b: Option<u32>,
    }

    fn parse(s: &str) -> Option<N> {
        serde_json::from_str(s).ok()
    }

    #[test]
    fn whole_floats_are_integers_and_nothing_else_is() {
        assert_eq!(parse(r#"{"a": 8.0, "b": 3.0}"#), Some(N { a: 8, b: Some(3) }));
        assert_eq!(parse(r#"{"a": -12}"#), Some(N { a: -12, b: None }));
        assert_eq!(parse(r#"{"a": 1, "b": null}"#), Some(N { a: 1, b: None }));
        for bad in [
            r#"{"a": 8.5}"#,
            r#"{"a": "8"}"#,
            r#"{"a": 1e300}"#,
            r#"{"a": 1, "b": -1}"#,
            r#"{"a": 1, "b": 4294967296}"#,
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}

//! Secrets in URLs (passwords) never reach logs or `config check`.

use serde::Serializer;

/// The URL with its password replaced by `***`; an unparsable URL is hidden whole,
/// since it may still hold a secret.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                // Only fails for URLs that cannot have a password, which we just saw one in.
                let _ = url.set_password(Some("***"));
            }
            url.to_string()
        }
        Err(_) => "<unparsable url>".to_owned(),
    }
}

pub(super) fn ser_url<S: Serializer>(url: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&redact_url(url))
}

pub(super) fn ser_opt_url<S: Serializer>(url: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match url {
        Some(u) => s.serialize_some(&redact_url(u)),
        None => s.serialize_none(),
    }
}

pub(super) fn ser_secret<S: Serializer>(secret: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if secret.is_empty() { "" } else { "***" })
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn hides_password_keeps_the_rest() {
        assert_eq!(redact_url("postgres://app:s3cret@db.example:5432/veza"), "postgres://app:***@db.example:5432/veza");
        assert_eq!(redact_url("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(redact_url("not a url s3cret"), "<unparsable url>");
    }
}

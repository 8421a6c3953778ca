//! Where a provider's requests go: a base URL, checked once.

use std::fmt;

/// An absolute `http` or `https` base URL without query or fragment, kept without a trailing
/// slash, to which a provider's paths are appended.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl(String);

/// A base URL that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid base URL {url:?}: {why}")]
pub struct EndpointError {
    /// The URL given.
    pub url: String,
    /// What is wrong with it.
    pub why: &'static str,
}

impl BaseUrl {
    /// Checks `url`: `http://` or `https://`, a host, no query, fragment, space or control.
    pub fn parse(url: &str) -> Result<Self, EndpointError> {
        let bad = |why| EndpointError {
            url: url.to_owned(),
            why,
        };
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| bad("must start with https:// or http://"))?;
        let authority = rest.split('/').next().unwrap_or_default();
        if let Some((_, host)) = authority.rsplit_once('@') {
            // A user and password in the URL would travel into every stored refund and log
            // line that names where it was sent: refused, and not echoed.
            let scheme = url.len().saturating_sub(rest.len());
            return Err(EndpointError {
                url: format!(
                    "{}…@{host}{}",
                    url.get(..scheme).unwrap_or_default(),
                    rest.get(authority.len()..).unwrap_or_default()
                ),
                why: "must carry no user or password (userinfo): give credentials as credentials",
            });
        }
        if authority.is_empty() {
            return Err(bad("has no host"));
        }
        if url.contains(['?', '#']) {
            return Err(bad("must have no query or fragment"));
        }
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("must have no spaces or control characters"));
        }
        if http::Uri::try_from(url).is_err() {
            return Err(bad("is not a valid URI"));
        }
        Ok(BaseUrl(url.trim_end_matches('/').to_owned()))
    }

    /// A provider's own documented host, taken as it is: each crate tests that its constants
    /// pass [`BaseUrl::parse`].
    pub fn known(url: &'static str) -> Self {
        BaseUrl(url.trim_end_matches('/').to_owned())
    }

    /// The base, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The base followed by `path` (which starts with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A copy of a built request (`http::Request` is not `Clone`: its extensions need not be), for
/// a provider's `redacted`, which then replaces its secrets.
pub fn copy_request(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_with_a_user_or_password_is_refused_without_echoing_them() {
        for url in [
            "http://u:PW@127.0.0.1:8080/rbs",
            "https://PW@host",
            "https://u:p%40W@host/x",
        ] {
            let e = BaseUrl::parse(url).unwrap_err();
            assert!(!e.to_string().contains("PW"), "{e}");
            assert!(!e.to_string().contains("p%40W"), "{e}");
            assert!(e.to_string().contains("userinfo"), "{e}");
        }
        assert!(
            BaseUrl::parse("http://u:PW@h/x")
                .unwrap_err()
                .to_string()
                .contains("http://…@h/x")
        );
    }

    #[test]
    fn a_base_url_is_absolute_http_and_loses_its_trailing_slash() {
        let b = BaseUrl::parse("https://3dsec.sberbank.ru/payment/rest/").unwrap();
        assert_eq!(
            b.join("/refund.do"),
            "https://3dsec.sberbank.ru/payment/rest/refund.do"
        );
        assert!(BaseUrl::parse("http://127.0.0.1:8080").is_ok());
        for bad in [
            "ftp://x",
            "https://",
            "https:///x",
            "https://x?y",
            "https://x y",
            "x",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
    }
}

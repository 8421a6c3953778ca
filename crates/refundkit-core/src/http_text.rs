//! The text form of a request that `refundkit plan` prints and the lifecycle commands read:
//! `METHOD URL`, one `name: value` line per header, a blank line, the body. Not HTTP/1.1 on
//! the wire (the URL is absolute and there is no version): a record a person can read and a
//! script can keep between the request and its answer.

use http::Request;

use crate::{DecodeError, DecodeErrorKind};

/// Largest text read.
pub const MAX_TEXT: usize = 1024 * 1024;

/// The request as text. A body that is not UTF-8 is written lossily (refundkit's requests are
/// all text); the body is written as it is, and one newline after it ends the text, so that a
/// body ending in a newline of its own (a PEM) reads back byte for byte.
///
/// A display and record form, not a store: it carries the request's credentials as they are
/// (print it redacted, as `refundkit plan` does). What to store between steps is the refund's
/// state (`refundkit::Refund::to_json`), which holds none.
pub fn to_text<B: AsRef<[u8]>>(request: &Request<B>) -> String {
    let mut out = format!("{} {}\n", request.method(), request.uri());
    for (name, value) in request.headers() {
        out.push_str(name.as_str());
        out.push_str(": ");
        out.push_str(value.to_str().unwrap_or("[binary]"));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&String::from_utf8_lossy(request.body().as_ref()));
    out.push('\n');
    out
}

/// Reads [`to_text`]'s form back (CRLF line ends accepted). The body is everything after the
/// blank line but the one line end that closes the text. An error names the line at fault by
/// its number, never by its content (a header line may carry a credential).
pub fn from_text(text: &[u8]) -> Result<Request<Vec<u8>>, DecodeError> {
    let bad = |detail: String| DecodeError::new(DecodeErrorKind::Syntax, "", detail);
    if text.len() > MAX_TEXT {
        return Err(DecodeError::too_large(text.len(), MAX_TEXT));
    }
    let text = std::str::from_utf8(text)
        .map_err(|_| DecodeError::new(DecodeErrorKind::Encoding, "", "not UTF-8"))?;
    let text = text.trim_start_matches(['\r', '\n']);
    let (head, body) = match text
        .find("\n\n")
        .map(|i| (i, 2))
        .or_else(|| text.find("\r\n\r\n").map(|i| (i, 4)))
    {
        Some((i, n)) => (
            text.get(..i).unwrap_or(""),
            text.get(i.saturating_add(n)..).unwrap_or(""),
        ),
        None => (text, ""),
    };
    let mut lines = head.lines();
    let first = lines.next().ok_or_else(|| bad("empty".into()))?;
    let (method, url) = first
        .trim_end()
        .split_once(' ')
        .ok_or_else(|| bad("line 1 is not METHOD URL".into()))?;
    let mut builder = Request::builder().method(method).uri(url.trim());
    for (n, line) in lines.enumerate() {
        let line = line.trim_end_matches('\r');
        let (name, value) = line.split_once(':').ok_or_else(|| {
            bad(format!(
                "line {} is not a header (name: value)",
                n.saturating_add(2)
            ))
        })?;
        builder = builder.header(name.trim(), value.trim());
    }
    let body = body
        .strip_suffix("\r\n")
        .or_else(|| body.strip_suffix('\n'))
        .unwrap_or(body);
    // http's own errors name a method, URI or header part, never a whole header line.
    builder
        .body(body.as_bytes().to_vec())
        .map_err(|e| bad(format!("not a request: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reads_back_to_the_same_request() {
        let request = Request::post("https://example.com/payment/rest/refund.do?x=1")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-request-attempt", "0")
            .body(b"userName=u&password=p".to_vec())
            .unwrap_or_default();
        let text = to_text(&request);
        assert_eq!(
            text,
            "POST https://example.com/payment/rest/refund.do?x=1\ncontent-type: application/x-www-form-urlencoded\nx-request-attempt: 0\n\nuserName=u&password=p\n"
        );
        let back = from_text(text.as_bytes()).unwrap_or_default();
        assert_eq!(back.method(), request.method());
        assert_eq!(back.uri(), request.uri());
        assert_eq!(back.headers(), request.headers());
        assert_eq!(back.body(), request.body());
        assert_eq!(
            from_text(text.replace('\n', "\r\n").as_bytes())
                .map(|r| r.body().clone())
                .ok(),
            Some(request.body().clone())
        );
    }

    #[test]
    fn a_body_ending_in_a_newline_reads_back_byte_for_byte() {
        let pem = b"-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n".to_vec();
        let request = Request::post("https://example.com/returnPayment")
            .body(pem.clone())
            .unwrap_or_default();
        let back = from_text(to_text(&request).as_bytes()).unwrap_or_default();
        assert_eq!(back.body(), &pem);
    }

    #[test]
    fn an_error_names_the_line_never_its_content() {
        let text = "POST https://x/refund\nauthorization Api-Key SECRET\n\nbody\n";
        let err = from_text(text.as_bytes())
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(!err.contains("SECRET"), "{err}");
        let err = from_text(b"SECRET-ONLY\n\n")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(!err.contains("SECRET"), "{err}");
    }

    #[test]
    fn anything_else_is_an_error_not_a_panic() {
        for text in [
            "",
            "GET",
            "GET not a url\n\n",
            "GET https://x\nno colon\n\n",
            "\u{0}\u{1}",
        ] {
            assert!(from_text(text.as_bytes()).is_err(), "{text:?}");
        }
    }
}

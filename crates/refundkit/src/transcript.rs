//! Transcripts: each exchange with a provider (or with `refundkit serve`) as a file that
//! `refundkit conform` checks and `refundkit vectors export --transcripts` turns into tests.
//! A shop records a session against the emulator (`refundkit serve --record DIR`), or
//! captures its production traffic in the same format, and keeps it as golden files.
//!
//! An exchange (`refundkit_exchange_v1`): `provider`, `method`, `atMs` (Unix milliseconds),
//! `elapsedMs`, the `request` with its secrets replaced by its provider's own rule (`method`,
//! `uri`, `headers` as `[name, value]` pairs, `body`), the `answer` (`httpStatus`, `body`; `null`
//! when none came) and `reading`, what refundkit read the answer as (`null` without one).
//! Bodies are text, or `{"base64": …}` for bytes that are not UTF-8.

use std::time::{Duration, SystemTime};

use refundkit_core::conformance::export;
use serde_json::{Value, json};

use crate::id::ProviderId;
use crate::providers::{self, Provider};

/// The format this refundkit writes.
pub const FORMAT: &str = "refundkit_exchange_v1";

/// The provider whose method `path` is, that method, and `answer` read by it.
pub fn read_answer(
    path: &str,
    http_status: u16,
    body: &[u8],
) -> Option<(ProviderId, &'static str, Value)> {
    providers::all().iter().find_map(|p| {
        p.read_answer(path, http_status, body)
            .map(|(method, reading)| (p.id(), method, reading))
    })
}

fn provider_of(path: &str) -> Option<(&'static dyn Provider, &'static str)> {
    providers::all().iter().find_map(|p| {
        // Any answer tells the method; an empty one is enough to ask.
        p.read_answer(path, 200, b"")
            .map(|(method, _)| (*p, method))
    })
}

/// One exchange as its file holds it: `None` when the request is none of the providers'
/// methods (the emulator's `/_sim/state`, the JWKS).
pub fn record(
    request: &http::Request<Vec<u8>>,
    answer: Option<(u16, &[u8])>,
    at: SystemTime,
    elapsed: Duration,
) -> Option<Value> {
    let (provider, method) = provider_of(request.uri().path())?;
    let redacted = provider.recorded(request);
    let headers: Vec<(String, String)> = redacted
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let reading = answer.and_then(|(status, body)| {
        provider
            .read_answer(request.uri().path(), status, body)
            .map(|(_, r)| r)
    });
    let at_ms = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    Some(json!({
        "format": FORMAT,
        "provider": provider.name(),
        "method": method,
        "atMs": at_ms,
        "elapsedMs": u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        "request": {
            "method": redacted.method().as_str(),
            "uri": redacted.uri().to_string(),
            "headers": headers,
            "body": export::wire(redacted.body()),
        },
        "answer": answer.map(|(status, body)| json!({"httpStatus": status, "body": export::wire(body)})),
        "reading": reading,
    }))
}

/// Why an exchange file does not hold: it is not one, or its answer no longer reads as it was
/// recorded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TranscriptError {
    /// Not an exchange of this format.
    #[error("not a {FORMAT} exchange")]
    NotAnExchange,
    /// A field missing, or not what the format says.
    #[error("{field}: {detail}")]
    Field {
        /// Its path (`request.uri`, `answer.httpStatus`, `answer.body`).
        field: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// A reading recorded where no answer came.
    #[error("a reading without an answer")]
    ReadingWithoutAnswer,
    /// The request's path is none of a provider's methods.
    #[error("{0} is no provider's method")]
    UnknownMethod(String),
    /// Recorded under another provider or method than its path reads as.
    #[error("recorded as {recorded}, read as {read}")]
    Method {
        /// `provider method`, as recorded.
        recorded: String,
        /// `provider method`, as the path reads.
        read: String,
    },
    /// The answer reads otherwise than recorded: a change of behaviour to look at.
    #[error("the answer reads {read}, recorded as {recorded}")]
    Reading {
        /// The reading recorded.
        recorded: Value,
        /// The reading now.
        read: Value,
    },
}

fn field_error(field: &'static str, detail: impl Into<String>) -> TranscriptError {
    TranscriptError::Field {
        field,
        detail: detail.into(),
    }
}

/// Checks an exchange file: it is one, and its answer reads as it was recorded.
pub fn check(exchange: &Value) -> Result<(), TranscriptError> {
    let field = |k: &str| exchange.get(k).unwrap_or(&Value::Null);
    if field("format") != FORMAT {
        return Err(TranscriptError::NotAnExchange);
    }
    let uri = field("request")
        .get("uri")
        .and_then(Value::as_str)
        .ok_or_else(|| field_error("request.uri", "missing"))?;
    let path = uri
        .parse::<http::Uri>()
        .map_err(|e| field_error("request.uri", e.to_string()))?
        .path()
        .to_owned();
    let answer = field("answer");
    if answer.is_null() {
        return if field("reading").is_null() {
            Ok(())
        } else {
            Err(TranscriptError::ReadingWithoutAnswer)
        };
    }
    let status = answer
        .get("httpStatus")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .ok_or_else(|| field_error("answer.httpStatus", "missing, or not an HTTP status"))?;
    let body = bytes(answer.get("body").unwrap_or(&Value::Null))?;
    let (provider, method, reading) =
        read_answer(&path, status, &body).ok_or(TranscriptError::UnknownMethod(path))?;
    if field("provider") != provider.name() || field("method") != method {
        return Err(TranscriptError::Method {
            recorded: format!("{} {}", field("provider"), field("method")),
            read: format!("{provider} {method}"),
        });
    }
    if &reading != field("reading") {
        return Err(TranscriptError::Reading {
            recorded: field("reading").clone(),
            read: reading,
        });
    }
    Ok(())
}

/// A body as a file holds it: text, or `{"base64": …}`.
pub fn bytes(body: &Value) -> Result<Vec<u8>, TranscriptError> {
    match body {
        Value::String(s) => Ok(s.as_bytes().to_vec()),
        Value::Object(o) => {
            use base64::Engine as _;
            let text = o
                .get("base64")
                .and_then(Value::as_str)
                .ok_or_else(|| field_error("answer.body", "an object without base64"))?;
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|e| field_error("answer.body", format!("base64: {e}")))
        }
        _ => Err(field_error("answer.body", "neither text nor base64")),
    }
}

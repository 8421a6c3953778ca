//! Recognise a refund message, decode it, validate it, and say what was found.
//!
//! For an operator holding a failed refund, this is the first thing to run: it takes any
//! request or answer of a provider refundkit knows (each provider's adapter in
//! [`crate::providers`] says which it recognises), or a refund description, and reports every
//! violation. Recognition goes by the input's form (JSON object, JSON string, XML, a PKCS#7
//! container, other text), then asks the providers in turn.

use refundkit_core::{Outcome, Report, Severity, Verdict};

use crate::providers;

/// What was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// What the input is: the provider's name and the message's (`<provider> token`).
    pub kind: String,
    /// What was decoded, one fact a line.
    pub details: Vec<String>,
    /// Every violation found.
    pub report: Report,
    /// Whether the input decoded (a refusal from a provider decodes fine).
    pub decoded: bool,
    /// For a provider's answer, what it states: a success only when the body says so in that
    /// method's documented shape.
    pub answer: Option<Verdict>,
}

impl Inspection {
    /// A message of `kind` that decoded; details and violations are added after.
    pub fn new(kind: &str) -> Self {
        Inspection {
            kind: kind.to_owned(),
            details: Vec::new(),
            report: Report::new(),
            decoded: true,
            answer: None,
        }
    }

    /// A decoded request and its provider's violations.
    pub fn request(kind: &str, report: Report) -> Self {
        let mut i = Inspection::new(kind);
        i.report = report;
        i
    }

    /// An answer: its one-line summary, and why it is malformed when it is.
    pub fn answer<T, C>(kind: &str, outcome: &Outcome<T, C>, summary: String) -> Self {
        let mut i = Inspection::new(kind);
        i.details.push(summary);
        match outcome {
            Outcome::Malformed(m) => i.details.push(format!("not a documented answer: {m}")),
            Outcome::Refused(r) => {
                if let Some(text) = &r.text {
                    i.details.push(format!("text: {text}"));
                }
            }
            _ => {}
        }
        i.answer = Some(outcome.verdict());
        i
    }

    /// A message of `kind` that does not decode, and why.
    pub fn failed(kind: &str, why: impl std::fmt::Display) -> Self {
        let mut i = Inspection::new(kind);
        i.decoded = false;
        i.details.push(format!("does not decode: {why}"));
        i
    }

    /// Decoded and without errors; for an answer, a stated success.
    pub fn is_valid(&self) -> bool {
        self.decoded
            && !self.report.has_errors()
            && self.answer.is_none_or(|v| v == Verdict::Success)
    }
}

/// The form of an input, told from its first bytes: what a provider's adapter looks at.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Message<'a> {
    /// A JSON object, with its members.
    Json {
        /// The bytes.
        bytes: &'a [u8],
        /// Its members.
        members: &'a serde_json::Map<String, serde_json::Value>,
    },
    /// A JSON string's value.
    JsonString(&'a str),
    /// XML (not an HTML page).
    Xml(&'a [u8]),
    /// A cryptographic container: PEM (`-----BEGIN`) or DER/BER.
    Container(&'a [u8]),
    /// Any other UTF-8 text, trimmed.
    Text(&'a str),
}

impl Message<'_> {
    /// A JSON object with member `name`.
    pub fn has(&self, name: &str) -> bool {
        matches!(self, Message::Json { members, .. } if members.contains_key(name))
    }
}

/// Largest input looked at.
pub const MAX_INPUT: usize = 16 * 1024 * 1024;

/// Inspects `input`. Never panics; anything unrecognised is said to be so.
pub fn inspect(input: &[u8]) -> Inspection {
    if input.len() > MAX_INPUT {
        return Inspection::failed("input", format!("larger than {MAX_INPUT} bytes"));
    }
    let trimmed = input.trim_ascii();
    let object;
    let message = match trimmed.first() {
        _ if trimmed.starts_with(b"-----BEGIN") => Message::Container(trimmed),
        Some(0x30) if !trimmed.is_ascii() => Message::Container(trimmed),
        Some(b'<') => {
            let head = trimmed.get(..trimmed.len().min(512)).unwrap_or_default();
            let head = String::from_utf8_lossy(head).to_lowercase();
            if head.contains("<html") || head.contains("<!doctype html") {
                return Inspection::failed(
                    "HTML page",
                    "an HTML page (a proxy's error page?), not a provider message",
                );
            }
            Message::Xml(trimmed)
        }
        Some(b'{') => {
            let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(trimmed) else {
                return Inspection::failed("JSON", "not a JSON object");
            };
            object = map;
            if object.contains_key("order") && object.contains_key("refund") {
                return description(trimmed);
            }
            Message::Json {
                bytes: trimmed,
                members: &object,
            }
        }
        Some(b'"') => match serde_json::from_slice::<String>(trimmed) {
            Ok(text) => return recognise(&Message::JsonString(&text)),
            Err(_) => Message::Text(std::str::from_utf8(trimmed).unwrap_or("")),
        },
        _ => Message::Text(std::str::from_utf8(trimmed).unwrap_or("")),
    };
    recognise(&message)
}

fn recognise(message: &Message<'_>) -> Inspection {
    providers::all()
        .iter()
        .find_map(|p| p.inspect(message))
        .unwrap_or_else(|| match message {
            Message::Json { .. } => {
                Inspection::failed("JSON", "no refund message refundkit knows has these fields")
            }
            _ => Inspection::failed("unrecognised input", "not a refund message refundkit knows"),
        })
}

/// A refund description (`refundkit plan`'s input).
fn description(bytes: &[u8]) -> Inspection {
    const KIND: &str = "refundkit refund description";
    match refundkit_core::json::decode::<crate::plan::RefundDescription>(bytes)
        .and_then(|d| d.typed())
    {
        Ok(t) => {
            let mut i = Inspection::new(KIND);
            i.details.push(format!(
                "{} order lines, {} refunded, refund total {}",
                t.lines.len(),
                t.refunded.len(),
                t.total
            ));
            i
        }
        Err(e) => Inspection::failed(KIND, e),
    }
}

impl std::fmt::Display for Inspection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "kind: {}", self.kind)?;
        for d in &self.details {
            writeln!(f, "  {d}")?;
        }
        for v in self.report.violations() {
            writeln!(f, "  {v}")?;
        }
        let verdict = if let Some(answer) = self.answer {
            answer.as_str()
        } else if !self.decoded {
            "malformed"
        } else if self.report.has_errors() {
            "invalid"
        } else if self
            .report
            .violations()
            .iter()
            .any(|v| v.severity == Severity::Warning)
        {
            "valid, with warnings"
        } else {
            "valid"
        };
        write!(f, "verdict: {verdict}")
    }
}

//! Recognise a refund message, decode it, validate it, and say what was found.
//!
//! For an operator holding a failed refund, this is the first thing to run: it takes any
//! request or answer of a provider refundkit knows (each provider's adapter in
//! [`crate::providers`] says which it recognises), or a refund description, and reports every
//! violation. Recognition goes by the input's form (JSON object, JSON string, XML, a PKCS#7
//! container, other text), then asks the providers in turn.

pub use crate::adapter::{Inspection, Message};

use crate::providers;

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

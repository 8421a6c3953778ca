//! Reading a JSON answer by its members, before deciding which documented shape it has.
//!
//! A response parser that decoded straight into a struct would ignore every member it does
//! not name, so `{"status": "fail"}` would read as an RBS success and `{"ErrorCode": 5}` as
//! no error at all. [`members`] instead records every member of the top-level object: the
//! known ones raw (for the parser to read in its own terms) and how many others there were,
//! and it refuses a member given twice, so that no spelling of an error can hide.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::{DecodeError, DecodeErrorKind};

/// The members of a JSON object: each known name's raw value, and a count of the others.
#[derive(Debug)]
pub struct Members<'a> {
    known: &'static [&'static str],
    values: Vec<Option<&'a RawValue>>,
    /// How many members have a name outside the known ones.
    pub unknown: usize,
}

impl<'a> Members<'a> {
    /// The raw value of the known member `name`, if present. `null` counts as present here;
    /// the readers below treat it as absent.
    pub fn get(&self, name: &str) -> Option<&'a RawValue> {
        let i = self.known.iter().position(|k| *k == name)?;
        self.values.get(i).copied().flatten()
    }

    /// How many known members are present (and not `null`).
    pub fn known_present(&self) -> usize {
        self.values
            .iter()
            .filter(|v| v.is_some_and(|raw| raw.get() != "null"))
            .count()
    }

    /// Whether the object has no members at all.
    pub fn is_empty(&self) -> bool {
        self.unknown == 0 && self.values.iter().all(Option::is_none)
    }
}

/// Deepest nesting of arrays and objects accepted in an answer. Provider answers nest a few
/// levels; serde_json skips unknown values without a recursion limit of its own.
pub const MAX_DEPTH: usize = 64;

/// Reads the top-level members of `body`, which must be one JSON object and nothing else.
/// A name given twice is an error (the two values could disagree); nesting deeper than
/// [`MAX_DEPTH`] is an error, wherever it is; so is a body that is not UTF-8 throughout (JSON
/// is UTF-8, RFC 8259 8.1, and serde skips an unknown member's string without checking it).
pub fn members<'a>(
    body: &'a [u8],
    known: &'static [&'static str],
) -> Result<Members<'a>, DecodeError> {
    if std::str::from_utf8(body).is_err() {
        return Err(DecodeError::new(DecodeErrorKind::Encoding, "", "not UTF-8"));
    }
    check_depth(body)?;
    let mut de = serde_json::Deserializer::from_slice(body);
    let members = Seed { known }
        .deserialize(&mut de)
        .map_err(|e| DecodeError::from_json("", &e))?;
    de.end().map_err(|e| DecodeError::from_json("", &e))?;
    Ok(members)
}

/// Refuses nesting deeper than [`MAX_DEPTH`], in one pass that skips strings.
fn check_depth(body: &[u8]) -> Result<(), DecodeError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth = depth.saturating_add(1);
                if depth > MAX_DEPTH {
                    return Err(DecodeError::new(
                        DecodeErrorKind::TooDeep,
                        "",
                        format_args!("nested deeper than {MAX_DEPTH}"),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

struct Seed {
    known: &'static [&'static str],
}

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Members<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Seed {
    type Value = Members<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Members {
            known: self.known,
            values: vec![None; self.known.len()],
            unknown: 0,
        };
        while let Some(Key(name)) = map.next_key()? {
            match self.known.iter().position(|k| *k == name) {
                Some(i) => {
                    let value: &'de RawValue = map.next_value()?;
                    match members.values.get_mut(i) {
                        Some(slot) if slot.is_none() => *slot = Some(value),
                        _ => {
                            return Err(de::Error::custom(format_args!(
                                "member {name:?} given twice"
                            )));
                        }
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                    members.unknown = members.unknown.saturating_add(1);
                }
            }
        }
        Ok(members)
    }
}

/// An object key, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// Decodes JSON into `T`, naming the path of the first field at fault
/// (`cart.items[0].total`). The common case pays for no path tracking: a failure is decoded
/// again to find where.
pub fn decode<T: serde::de::DeserializeOwned>(json: &[u8]) -> Result<T, DecodeError> {
    serde_json::from_slice(json).map_err(|first| {
        let mut de = serde_json::Deserializer::from_slice(json);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(e) => {
                let path = e.path().to_string();
                let path = if path == "." { String::new() } else { path };
                DecodeError::from_json(path, e.inner())
            }
            Ok(_) => match de.end() {
                Err(e) => DecodeError::from_json("", &e),
                Ok(()) => DecodeError::from_json("", &first),
            },
        }
    })
}

/// What a JSON value is, for messages: `a string`, `a number`, ...
pub fn kind_of(raw: &RawValue) -> &'static str {
    match raw.get().as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'-' | b'0'..=b'9') => "a number",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "something else",
    }
}

/// A string member: `null` reads as absent; anything but a string is an error.
pub fn string(raw: Option<&RawValue>) -> Result<Option<String>, DecodeError> {
    match raw {
        None => Ok(None),
        Some(r) if r.get() == "null" => Ok(None),
        Some(r) if r.get().starts_with('"') => serde_json::from_str(r.get())
            .map(Some)
            .map_err(|e| DecodeError::from_json("", &e)),
        Some(r) => Err(wrong_type("a string", r)),
    }
}

fn wrong_type(expected: &str, raw: &RawValue) -> DecodeError {
    DecodeError::new(
        DecodeErrorKind::Type,
        "",
        format_args!("expected {expected}, found {}", kind_of(raw)),
    )
}

/// A boolean member: `null` reads as absent; anything but `true` or `false` is an error (a
/// `"true"` string is not a statement of success).
pub fn boolean(raw: Option<&RawValue>) -> Result<Option<bool>, DecodeError> {
    match raw {
        None => Ok(None),
        Some(r) => match r.get() {
            "null" => Ok(None),
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => Err(wrong_type("true or false", r)),
        },
    }
}

/// A code member, which providers send as a string (`"7"`) or a number (`7`): its text,
/// trimmed. `null` reads as absent; an empty string is an error.
pub fn code(raw: Option<&RawValue>) -> Result<Option<String>, DecodeError> {
    match raw {
        None => Ok(None),
        Some(r) if r.get() == "null" => Ok(None),
        Some(r) if r.get().starts_with('"') => {
            let text: String =
                serde_json::from_str(r.get()).map_err(|e| DecodeError::from_json("", &e))?;
            let trimmed = text.trim();
            if trimmed.is_empty() {
                return Err(DecodeError::new(
                    DecodeErrorKind::Value,
                    "",
                    "an empty code",
                ));
            }
            Ok(Some(trimmed.to_owned()))
        }
        Some(r)
            if r.get()
                .starts_with(|c: char| c == '-' || c.is_ascii_digit()) =>
        {
            Ok(Some(r.get().to_owned()))
        }
        Some(r) => Err(wrong_type("a code (a string or a number)", r)),
    }
}

/// Whether a code's text means "no error": `0`, however it is padded (`"000"`).
pub fn is_zero_code(code: &str) -> bool {
    !code.is_empty() && code.bytes().all(|b| b == b'0')
}

#[cfg(test)]
mod tests;

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

/// The most names a vocabulary may have: the members are kept in one fixed array (allocated
/// once per answer), indexed by the name's place in the vocabulary.
pub const MAX_VOCABULARY: usize = 20;

/// The members of a JSON object: each known name's raw value, and a count of the others.
#[derive(Debug)]
pub struct Members<'a> {
    known: &'static [&'static str],
    // Boxed: the members travel by value through serde's layers, and a pointer moves cheaply
    // where 320 bytes would be copied at each.
    values: Box<[Option<&'a RawValue>; MAX_VOCABULARY]>,
    /// Bit `i` set: `known[i]` is present.
    present: u32,
    /// How many members have a name outside the known ones.
    pub unknown: usize,
}

impl<'a> Members<'a> {
    /// The raw value of the known member `name`, if present. `null` counts as present here;
    /// the readers below treat it as absent. Only the members present are compared (an
    /// answer has a few), not the whole vocabulary.
    pub fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.present_indexes()
            .find(|&i| self.known.get(i).is_some_and(|k| *k == name))
            .and_then(|i| self.values.get(i).copied().flatten())
    }

    fn present_indexes(&self) -> impl Iterator<Item = usize> + '_ {
        let mut bits = self.present;
        std::iter::from_fn(move || {
            if bits == 0 {
                return None;
            }
            let i = bits.trailing_zeros();
            bits &= bits.wrapping_sub(1);
            usize::try_from(i).ok()
        })
    }

    /// The known names present, in vocabulary order.
    pub fn present_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.present_indexes()
            .filter_map(|i| self.known.get(i).copied())
    }

    /// The known members present, name and raw value, in vocabulary order: one pass over an
    /// answer's few members where a reader needs several of them.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'a RawValue)> + '_ {
        self.present_indexes()
            .filter_map(|i| Some((*self.known.get(i)?, self.values.get(i).copied().flatten()?)))
    }

    /// How many known members are present (and not `null`).
    pub fn known_present(&self) -> usize {
        self.present_indexes()
            .filter(|&i| {
                self.values
                    .get(i)
                    .copied()
                    .flatten()
                    .is_some_and(|raw| raw.get() != "null")
            })
            .count()
    }

    /// Whether the object has no members at all.
    pub fn is_empty(&self) -> bool {
        self.unknown == 0 && self.present == 0
    }
}

/// Deepest nesting of arrays and objects accepted in an answer. Provider answers nest a few
/// levels; serde_json skips unknown values without a recursion limit of its own.
pub const MAX_DEPTH: usize = 64;

/// Reads the top-level members of `body`, which must be one JSON object and nothing else.
/// A name given twice is an error (the two values could disagree); nesting deeper than
/// [`MAX_DEPTH`] is an error, wherever it is; so is a body that is not UTF-8 throughout (JSON
/// is UTF-8, RFC 8259 8.1, and serde skips an unknown member's string without checking it).
/// `known` has at most [`MAX_VOCABULARY`] names.
#[inline]
pub fn members<'a>(
    body: &'a [u8],
    known: &'static [&'static str],
) -> Result<Members<'a>, DecodeError> {
    if known.len() > MAX_VOCABULARY {
        return Err(DecodeError::new(
            DecodeErrorKind::TooLarge,
            "",
            format_args!("a vocabulary of more than {MAX_VOCABULARY} names"),
        ));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| DecodeError::new(DecodeErrorKind::Encoding, "", "not UTF-8"))?;
    check_depth(body)?;
    // From the text, now known to be UTF-8: serde_json's string reader need not check again.
    let mut de = serde_json::Deserializer::from_str(text);
    let members = Seed { known }
        .deserialize(&mut de)
        .map_err(|e| DecodeError::from_json("", &e))?;
    de.end().map_err(|e| DecodeError::from_json("", &e))?;
    Ok(members)
}

/// Refuses nesting deeper than [`MAX_DEPTH`], in one pass that skips strings. A body with no
/// more opening brackets than that cannot nest deeper, whatever its strings hold: counting
/// them is the whole check for every answer a provider sends.
fn check_depth(body: &[u8]) -> Result<(), DecodeError> {
    // `[` is 0x5B and `{` 0x7B: with bit 0x20 set, both are `{`, and no other byte is.
    // Valid JSON nested d deep takes 2d bytes; invalid JSON fails to parse anyway, and
    // serde_json skips what it ignores without recursing.
    if body.len() <= 2 * MAX_DEPTH || openings(body) <= MAX_DEPTH {
        return Ok(());
    }
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

/// How many bytes of `body` are `[` or `{`, eight at a time: `[` is 0x5B and `{` 0x7B, so with
/// bit 0x20 set both are 0x7B and no other byte is; a byte equal to 0x7B is then a zero byte
/// of `word ^ 0x7B7B…`, which the carry-free test below finds exactly. The finds are summed in
/// eight byte-wide lanes (emptied before any can overflow), so no population count is needed.
fn openings(body: &[u8]) -> usize {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let lanes_total = |lanes: u64| usize::from(lanes.wrapping_mul(ONES).to_be_bytes()[0]);
    let mut chunks = body.chunks_exact(8);
    let mut count = 0usize;
    let mut lanes = 0u64;
    for (i, chunk) in (&mut chunks).enumerate() {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([0; 8]));
        let t = (word | 0x2020_2020_2020_2020) ^ 0x7B7B_7B7B_7B7B_7B7B;
        // High bit of each byte set exactly where that byte of `t` is not zero.
        let nonzero = (((t & LOW7).wrapping_add(LOW7)) | t) & !LOW7;
        lanes = lanes.wrapping_add((!nonzero & !LOW7) >> 7);
        // 31 words add at most 31 to a lane, and 8 lanes of 31 at most 248 to their sum.
        if i % 31 == 30 {
            count = count.saturating_add(lanes_total(lanes));
            lanes = 0;
        }
    }
    count.saturating_add(lanes_total(lanes)).saturating_add(
        chunks
            .remainder()
            .iter()
            .filter(|&&b| b | 0x20 == b'{')
            .count(),
    )
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
            values: Box::new([None; MAX_VOCABULARY]),
            present: 0,
            unknown: 0,
        };
        while let Some(Key(name)) = map.next_key()? {
            match self.known.iter().position(|k| *k == name) {
                Some(i) => {
                    let value: &'de RawValue = map.next_value()?;
                    let bit = u32::try_from(i)
                        .ok()
                        .and_then(|i| 1u32.checked_shl(i))
                        .unwrap_or(0);
                    if members.present & bit != 0 {
                        return Err(de::Error::custom(format_args!(
                            "member {name:?} given twice"
                        )));
                    }
                    members.present |= bit;
                    if let Some(slot) = members.values.get_mut(i) {
                        *slot = Some(value);
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
    Ok(text(raw)?.map(Cow::into_owned))
}

/// A string member as [`string`] reads it, borrowed from the answer when it has no escapes
/// (most have none): for a value that is only compared or looked up.
pub fn text<'a>(raw: Option<&'a RawValue>) -> Result<Option<Cow<'a, str>>, DecodeError> {
    match raw {
        None => Ok(None),
        Some(r) if r.get() == "null" => Ok(None),
        Some(r) if r.get().starts_with('"') => match unescaped(r) {
            Some(inner) => Ok(Some(Cow::Borrowed(inner))),
            None => serde_json::from_str::<String>(r.get())
                .map(|s| Some(Cow::Owned(s)))
                .map_err(|e| DecodeError::from_json("", &e)),
        },
        Some(r) => Err(wrong_type("a string", r)),
    }
}

/// The content of a JSON string with no escape in it, borrowed: a raw value is valid JSON, so
/// between its quotes there is then nothing but the text itself. `None` when it has escapes
/// (serde_json reads those).
fn unescaped(raw: &RawValue) -> Option<&str> {
    let inner = raw.get().strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
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
/// trimmed, borrowed from the answer where it can be. `null` reads as absent; an empty string
/// is an error.
pub fn code<'a>(raw: Option<&'a RawValue>) -> Result<Option<Cow<'a, str>>, DecodeError> {
    match raw {
        None => Ok(None),
        Some(r) if r.get() == "null" => Ok(None),
        Some(r) if r.get().starts_with('"') => {
            let text: Cow<'a, str> = match unescaped(r) {
                Some(inner) => Cow::Borrowed(inner),
                None => Cow::Owned(
                    serde_json::from_str::<String>(r.get())
                        .map_err(|e| DecodeError::from_json("", &e))?,
                ),
            };
            let trimmed = text.trim();
            if trimmed.is_empty() {
                return Err(DecodeError::new(
                    DecodeErrorKind::Value,
                    "",
                    "an empty code",
                ));
            }
            Ok(Some(match text {
                Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
                Cow::Owned(o) => Cow::Owned(o.trim().to_owned()),
            }))
        }
        Some(r)
            if r.get()
                .starts_with(|c: char| c == '-' || c.is_ascii_digit()) =>
        {
            Ok(Some(Cow::Borrowed(r.get())))
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

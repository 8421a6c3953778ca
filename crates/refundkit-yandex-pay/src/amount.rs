//! Yandex Pay's number formats: money as a JSON *string* of a decimal with at most two places
//! (`"1.12"`, `"5.1"`, `"10"`, `"11.00"`); counts as decimal strings; measurements as JSON
//! numbers read exactly.

use refundkit_core::{Amount, MoneyError, Quantity};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serializer};
use serde_json::value::RawValue;

fn raw_kind(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'-' | b'0'..=b'9') => "a JSON number (amounts are strings here, like \"10.00\")",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "something else",
    }
}

/// The text of a JSON string, refusing anything else with a message naming what it was.
fn string_text<'de, D: Deserializer<'de>>(d: D) -> Result<std::borrow::Cow<'de, str>, D::Error> {
    let raw = <&'de RawValue>::deserialize(d)?;
    if !raw.get().starts_with('"') {
        return Err(de::Error::custom(format_args!(
            "expected a decimal string, found {}",
            raw_kind(raw.get())
        )));
    }
    // A string without escapes is borrowed as it stands; one with escapes is decoded.
    let inner = raw
        .get()
        .get(1..raw.get().len().saturating_sub(1))
        .unwrap_or("");
    if inner.contains('\\') {
        serde_json::from_str::<String>(raw.get())
            .map(std::borrow::Cow::Owned)
            .map_err(de::Error::custom)
    } else {
        Ok(std::borrow::Cow::Borrowed(inner))
    }
}

fn money_error<E: de::Error>(text: &str, e: MoneyError) -> E {
    E::custom(format_args!("{text:?} is not an amount: {e}"))
}

/// Parses a money string: at most two decimal places.
pub fn parse_amount(text: &str) -> Result<Amount, MoneyError> {
    let amount = Amount::parse_decimal(text)?;
    if amount.value().scale() > 2 {
        return Err(MoneyError::TooManyDecimals {
            places: amount.value().scale(),
            max: 2,
        });
    }
    Ok(amount)
}

/// `serde(with)` for a money string.
pub mod money {
    use super::*;

    /// Reads `"10.00"`; refuses `10.00` (a number) and `"10.001"`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
        let text = string_text(d)?;
        parse_amount(&text).map_err(|e| money_error(&text, e))
    }

    /// Writes the amount as given, at most two places (validated amounts always fit).
    pub fn serialize<S: Serializer>(amount: &Amount, s: S) -> Result<S::Ok, S::Error> {
        let text = amount
            .to_decimal_string()
            .map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }
}

/// `serde(with)` for an optional money string.
pub mod opt_money {
    use super::*;

    /// Reads a money string; absence is `None` (null is refused).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Amount>, D::Error> {
        super::money::deserialize(d).map(Some)
    }

    /// Writes a money string (only called when present).
    pub fn serialize<S: Serializer>(amount: &Option<Amount>, s: S) -> Result<S::Ok, S::Error> {
        match amount {
            Some(a) => super::money::serialize(a, s),
            None => s.serialize_none(),
        }
    }
}

/// `serde(with)` for a decimal string count (`"2"`, `"1.5"`).
pub mod count {
    use super::*;

    /// Reads a count string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Quantity, D::Error> {
        let text = string_text(d)?;
        Quantity::parse_decimal(&text).map_err(|e| money_error(&text, e))
    }

    /// Writes a count string.
    pub fn serialize<S: Serializer>(q: &Quantity, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&q.to_string())
    }
}

/// `serde(with)` for an optional count string.
pub mod opt_count {
    use super::*;

    /// Reads a count string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Quantity>, D::Error> {
        super::count::deserialize(d).map(Some)
    }

    /// Writes a count string (only called when present).
    pub fn serialize<S: Serializer>(q: &Option<Quantity>, s: S) -> Result<S::Ok, S::Error> {
        match q {
            Some(q) => super::count::serialize(q, s),
            None => s.serialize_none(),
        }
    }
}

/// `serde(with)` for a JSON number read exactly (measurements).
pub mod number {
    use super::*;

    /// Reads a JSON number without a float.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Quantity, D::Error> {
        let raw = <&'de RawValue>::deserialize(d)?;
        Quantity::parse_json_number(raw.get()).map_err(|e| money_error(raw.get(), e))
    }

    /// Writes the shortest exact JSON number.
    pub fn serialize<S: Serializer>(q: &Quantity, s: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(q.to_json_number()).map_err(serde::ser::Error::custom)?;
        serde::Serialize::serialize(&raw, s)
    }
}

//! Exact money: amounts and quantities on [`rust_decimal::Decimal`], never a float.
//!
//! An [`Amount`] is a non-negative number of roubles with as many decimal places as it was
//! given; the provider formats each state their own rule about places and refuse, rather than
//! round, an amount that breaks it. Rounding exists only where a caller asks for it
//! ([`Amount::round_to_kopecks`]), because a refund that silently changes by a kopeck is a
//! reconciliation bug.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// Why a number is not an acceptable amount or quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// The text is not a number in the expected grammar.
    #[error("not a decimal number in the expected form")]
    Malformed,
    /// The number is below zero.
    #[error("must not be negative")]
    Negative,
    /// The number has more decimal places than the format allows.
    #[error("has {places} decimal places, at most {max} allowed")]
    TooManyDecimals {
        /// Significant decimal places of the number.
        places: u32,
        /// What the format allows.
        max: u32,
    },
    /// The number does not fit the representation (a 96-bit mantissa with at most 28 decimal
    /// places, or the integer type of minor units).
    #[error("out of range")]
    OutOfRange,
}

/// Parses decimal text with an exact grammar: `int[.frac]`, optionally a leading `-` and, when
/// `exponent` is set (JSON numbers), `e`/`E` with a signed exponent. Nothing is rounded: text
/// whose value Decimal cannot hold exactly is `OutOfRange`.
fn parse_decimal_text(text: &str, exponent: bool) -> Result<Decimal, MoneyError> {
    let bytes = text.as_bytes();
    let (negative, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    let int_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let (int_part, rest) = rest.split_at(int_len);
    // JSON and the providers' grammars forbid leading zeros ("01") and a bare "." or "1.".
    if int_part.is_empty() || (int_part.len() > 1 && int_part.first() == Some(&b'0')) {
        return Err(MoneyError::Malformed);
    }
    let (frac_part, rest) = match rest.split_first() {
        Some((b'.', rest)) => {
            let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            if n == 0 {
                return Err(MoneyError::Malformed);
            }
            rest.split_at(n)
        }
        _ => (&[][..], rest),
    };
    let exp: i64 = match rest.split_first() {
        None => 0,
        Some((b'e' | b'E', rest)) if exponent => {
            let (neg, digits) = match rest.split_first() {
                Some((b'-', d)) => (true, d),
                Some((b'+', d)) => (false, d),
                _ => (false, rest),
            };
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(MoneyError::Malformed);
            }
            // Anything beyond 4 digits is out of Decimal's range unless the mantissa is zero.
            let significant: &[u8] = {
                let skip = digits.iter().take_while(|&&b| b == b'0').count();
                digits.get(skip..).unwrap_or_default()
            };
            if significant.len() > 4 {
                if int_part.iter().chain(frac_part).all(|&b| b == b'0') {
                    return Ok(Decimal::ZERO);
                }
                return Err(MoneyError::OutOfRange);
            }
            let value = digits_value(significant).ok_or(MoneyError::OutOfRange)?;
            let value = i64::try_from(value).map_err(|_| MoneyError::OutOfRange)?;
            if neg { value.wrapping_neg() } else { value }
        }
        Some(_) => return Err(MoneyError::Malformed),
    };

    // Trailing zeros of the fraction are kept: they carry the scale ("11.00" stays "11.00").
    // Only when the digits do not fit Decimal (a 96-bit mantissa, scale 0..=28) are they
    // dropped, which changes no value. Deciding by the digits themselves, not by a count of 28
    // significant digits, keeps every scale our own writers produce: a 29-digit mantissa such
    // as "2444988245986420478668341248.0" fits, and must read back as written.
    match exact_decimal(int_part, frac_part, exp, negative) {
        Err(MoneyError::OutOfRange) => {
            let zeros = frac_part.iter().rev().take_while(|&&b| b == b'0').count();
            if zeros == 0 {
                return Err(MoneyError::OutOfRange);
            }
            let trimmed = frac_part
                .get(..frac_part.len().saturating_sub(zeros))
                .unwrap_or_default();
            exact_decimal(int_part, trimmed, exp, negative)
        }
        other => other,
    }
}

/// `int_part.frac_part × 10^exp` exactly, or `OutOfRange`.
fn exact_decimal(
    int_part: &[u8],
    frac_part: &[u8],
    exp: i64,
    negative: bool,
) -> Result<Decimal, MoneyError> {
    // value = digits * 10^(exp - frac_len); Decimal holds a 96-bit mantissa and a scale 0..=28.
    let mut mantissa =
        digits_value(int_part.iter().chain(frac_part)).ok_or(MoneyError::OutOfRange)?;
    let frac_len = i64::try_from(frac_part.len()).map_err(|_| MoneyError::OutOfRange)?;
    let mut scale = frac_len.checked_sub(exp).ok_or(MoneyError::OutOfRange)?;
    while scale < 0 {
        mantissa = mantissa.checked_mul(10).ok_or(MoneyError::OutOfRange)?;
        scale = scale.saturating_add(1);
    }
    let scale = u32::try_from(scale).map_err(|_| MoneyError::OutOfRange)?;
    if mantissa == 0 {
        // Zero keeps its written places ("0.00" is not "0" to a format that counts them).
        return Ok(Decimal::new(0, scale.min(28)));
    }
    let mantissa = i128::try_from(mantissa).map_err(|_| MoneyError::OutOfRange)?;
    let mantissa = if negative {
        mantissa.wrapping_neg()
    } else {
        mantissa
    };
    Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|_| MoneyError::OutOfRange)
}

/// The value of a run of ASCII digits, `None` past `u128`.
fn digits_value<'a>(digits: impl IntoIterator<Item = &'a u8>) -> Option<u128> {
    digits.into_iter().try_fold(0u128, |acc, &d| {
        acc.checked_mul(10)?
            .checked_add(u128::from(d.checked_sub(b'0')?))
    })
}

/// The significant decimal places of `d` (trailing zeros do not count).
fn places(d: Decimal) -> u32 {
    d.normalize().scale()
}

/// Shortest exact text of a non-negative decimal: no trailing zeros, no exponent.
fn shortest(d: Decimal) -> String {
    let mut out = Vec::with_capacity(16);
    write_shortest(d, &mut out);
    // Only ASCII digits and '.' were written.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends the shortest exact text of a non-negative decimal, without allocating: signing
/// a 100-line payload writes 200 of these.
fn write_shortest(d: Decimal, out: &mut Vec<u8>) {
    let d = d.normalize();
    let mut mantissa = d.mantissa().unsigned_abs();
    let scale = usize::try_from(d.scale()).unwrap_or(0);
    // 96-bit mantissa: at most 29 digits, plus leading zeros up to scale 28.
    let mut digits = [b'0'; 40];
    let mut n = 0usize;
    while mantissa > 0 || n <= scale {
        if let Some(slot) = digits.get_mut(n) {
            // `mantissa % 10` is a single digit.
            *slot = b'0'.saturating_add((mantissa % 10) as u8);
        }
        mantissa /= 10;
        n = n.saturating_add(1);
        if n >= digits.len() {
            break;
        }
    }
    for (i, &digit) in digits.get(..n).unwrap_or_default().iter().enumerate().rev() {
        out.push(digit);
        if i == scale && scale > 0 {
            out.push(b'.');
        }
    }
}

/// A non-negative amount of money in major units (roubles), exact.
///
/// ```
/// use refundkit_core::Amount;
/// let a: Amount = "1244.50".parse()?;
/// assert_eq!(a.to_json_number(), "1244.5");
/// assert_eq!(a.to_fixed2()?, "1244.50");
/// assert_eq!(a.to_minor_units()?, 124450);
/// # Ok::<(), refundkit_core::MoneyError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(Decimal);

impl Amount {
    /// Zero roubles.
    pub const ZERO: Amount = Amount(Decimal::ZERO);

    /// Wraps a decimal, refusing a negative one.
    pub fn new(value: Decimal) -> Result<Self, MoneyError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(MoneyError::Negative);
        }
        let mut value = value;
        value.set_sign_positive(true); // -0 is 0
        Ok(Amount(value))
    }

    /// An amount of `units` kopecks.
    pub fn from_minor_units(units: u64) -> Self {
        // Split into Decimal's 32-bit limbs; a u64 always fits the 96-bit mantissa.
        let lo = (units & 0xFFFF_FFFF) as u32;
        let mid = (units >> 32) as u32;
        Amount(Decimal::from_parts(lo, mid, 0, false, 2))
    }

    /// The amount in kopecks; an amount with a fraction of a kopeck is refused, not rounded.
    pub fn to_minor_units(&self) -> Result<u64, MoneyError> {
        let p = places(self.0);
        if p > 2 {
            return Err(MoneyError::TooManyDecimals { places: p, max: 2 });
        }
        let kopecks = self
            .0
            .checked_mul(Decimal::ONE_HUNDRED)
            .ok_or(MoneyError::OutOfRange)?;
        u64::try_from(kopecks.trunc()).map_err(|_| MoneyError::OutOfRange)
    }

    /// Parses plain decimal text (`12`, `12.5`, `0.01`): no sign, no exponent, no leading zeros.
    pub fn parse_decimal(text: &str) -> Result<Self, MoneyError> {
        if text.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        Amount::new(parse_decimal_text(text, false)?)
    }

    /// Parses the text of a JSON number (`1`, `1.000000`, `1e2`) exactly, without a float.
    pub fn parse_json_number(text: &str) -> Result<Self, MoneyError> {
        Amount::new(parse_decimal_text(text, true)?)
    }

    /// The exact value.
    pub fn value(&self) -> Decimal {
        self.0
    }

    /// Whether the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// Significant decimal places (`1.50` has 1).
    pub fn decimal_places(&self) -> u32 {
        places(self.0)
    }

    /// Digits before the decimal point (`0.5` has 1, `12345.6` has 5).
    pub fn integer_digits(&self) -> u32 {
        let mantissa = self.0.mantissa().unsigned_abs();
        let all = mantissa.checked_ilog10().map_or(1, |d| d.saturating_add(1));
        all.saturating_sub(self.0.scale()).max(1)
    }

    /// Sum, or `None` on overflow.
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }

    /// Difference, or `None` when it would be negative.
    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        let d = self.0.checked_sub(other.0)?;
        Amount::new(d).ok()
    }

    /// Exact price x quantity, or `None` on overflow. The result may carry more than two places;
    /// round it explicitly with [`Amount::round_to_kopecks`].
    pub fn checked_mul(self, quantity: Quantity) -> Option<Amount> {
        self.0.checked_mul(quantity.0).map(Amount)
    }

    /// Rounds to whole kopecks, half away from zero (the receipt rule of 54-FZ cash registers).
    pub fn round_to_kopecks(self) -> Amount {
        Amount(
            self.0
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
        )
    }

    /// JSON number in shortest exact form: `1`, `1244.5`, `0.574` (Robokassa).
    pub fn to_json_number(&self) -> String {
        shortest(self.0)
    }

    /// Appends [`Amount::to_json_number`]'s text to `out`.
    pub fn write_json_number(&self, out: &mut Vec<u8>) {
        write_shortest(self.0, out);
    }

    /// Decimal string with at most two places, as given (`10`, `5.1`, `11.00`) (Yandex Pay).
    pub fn to_decimal_string(&self) -> Result<String, MoneyError> {
        if self.0.scale() <= 2 {
            return Ok(self.0.to_string());
        }
        let p = places(self.0);
        if p > 2 {
            return Err(MoneyError::TooManyDecimals { places: p, max: 2 });
        }
        Ok(shortest(self.0))
    }

    /// Exactly two decimal places: `10.00`, `746.47` (YooKassa attributes).
    pub fn to_fixed2(&self) -> Result<String, MoneyError> {
        let p = places(self.0);
        if p > 2 {
            return Err(MoneyError::TooManyDecimals { places: p, max: 2 });
        }
        let mut d = self.0.normalize();
        d.rescale(2);
        Ok(d.to_string())
    }
}

impl FromStr for Amount {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Amount::parse_decimal(s)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({})", self.0)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl TryFrom<Decimal> for Amount {
    type Error = MoneyError;
    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Amount::new(value)
    }
}

/// An amount in stored state (a refund's, in [`crate::lifecycle::Machine`]) is its decimal text
/// as written (`"509.76"`, `"1.000000"`): exact, and read back by [`Amount::parse_decimal`],
/// never through a float.
impl serde::Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Amount::parse_decimal(&text).map_err(serde::de::Error::custom)
    }
}

/// A non-negative quantity of goods (pieces, or kilograms with up to several places).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity(Decimal);

impl Quantity {
    /// One piece.
    pub const ONE: Quantity = Quantity(Decimal::ONE);

    /// Wraps a decimal, refusing a negative one.
    pub fn new(value: Decimal) -> Result<Self, MoneyError> {
        Amount::new(value).map(|a| Quantity(a.0))
    }

    /// Parses plain decimal text (`2`, `1.324`).
    pub fn parse_decimal(text: &str) -> Result<Self, MoneyError> {
        Amount::parse_decimal(text).map(|a| Quantity(a.0))
    }

    /// Parses the text of a JSON number exactly.
    pub fn parse_json_number(text: &str) -> Result<Self, MoneyError> {
        Amount::parse_json_number(text).map(|a| Quantity(a.0))
    }

    /// The exact value.
    pub fn value(&self) -> Decimal {
        self.0
    }

    /// Whether the quantity is zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// Significant decimal places.
    pub fn decimal_places(&self) -> u32 {
        places(self.0)
    }

    /// JSON number in shortest exact form.
    pub fn to_json_number(&self) -> String {
        shortest(self.0)
    }

    /// Appends [`Quantity::to_json_number`]'s text to `out`.
    pub fn write_json_number(&self, out: &mut Vec<u8>) {
        write_shortest(self.0, out);
    }
}

impl FromStr for Quantity {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::parse_decimal(s)
    }
}

impl fmt::Debug for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Quantity({})", self.0)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u32> for Quantity {
    fn from(n: u32) -> Self {
        Quantity(Decimal::from(n))
    }
}

/// Currencies the refund APIs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Currency {
    /// Russian rouble, ISO 4217 `RUB` / 643.
    Rub,
    /// YooKassa's demo-environment rouble, code 10643.
    YooKassaDemoRub,
}

impl Currency {
    /// Every currency, for tables and tests.
    pub const ALL: [Currency; 2] = [Currency::Rub, Currency::YooKassaDemoRub];

    /// Numeric code on the wire.
    pub fn numeric_code(self) -> u16 {
        match self {
            Currency::Rub => 643,
            Currency::YooKassaDemoRub => 10643,
        }
    }

    /// The currency with this numeric code.
    pub fn from_numeric_code(code: u16) -> Option<Currency> {
        Currency::ALL.into_iter().find(|c| c.numeric_code() == code)
    }

    /// Alphabetic code (`RUB` for both: the demo code is the same currency).
    pub fn alpha_code(self) -> &'static str {
        "RUB"
    }
}

#[cfg(test)]
mod tests;

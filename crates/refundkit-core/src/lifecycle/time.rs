//! Instants and durations in stored state: whole milliseconds since the Unix epoch, and whole
//! milliseconds, as JSON integers. Milliseconds, not seconds, so that a timing scaled down for a
//! test keeps its waits apart.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch (0 for an instant before it).
pub fn unix_millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The instant `ms` milliseconds after the Unix epoch (the far end of time where it does not
/// fit).
pub fn from_unix_millis(ms: u64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_millis(ms))
        .unwrap_or(UNIX_EPOCH)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's algorithm). For
/// years within 0000..=9999 (what [`format_utc`] clamps to) no step can overflow.
#[allow(clippy::arithmetic_side_effects)]
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day count since 1970-01-01, for days within the
/// years 0000..=9999.
#[allow(clippy::arithmetic_side_effects)]
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Unix milliseconds of 0000-01-01T00:00:00.000Z and of 9999-12-31T23:59:59.999Z.
const MIN_MILLIS: i64 = -62_167_219_200_000;
const MAX_MILLIS: i64 = 253_402_300_799_999;

/// An instant in UTC with milliseconds, `2011-07-02T20:38:00.000Z` (ISO 8601, as MWS's
/// `requestDT` and refundkit's lists write it), clamped to the years 0000..=9999.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = UNIX_EPOCH + Duration::from_millis(1_309_639_080_000);
/// assert_eq!(refundkit_core::lifecycle::time::format_utc(t), "2011-07-02T20:38:00.000Z");
/// ```
#[allow(clippy::arithmetic_side_effects)]
pub fn format_utc(at: SystemTime) -> String {
    let millis = match at.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_millis()).map_or(i64::MIN, |m| -m),
    }
    .clamp(MIN_MILLIS, MAX_MILLIS);
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// `#[serde(with = "…::instant")]`: a `SystemTime` as Unix milliseconds.
pub mod instant {
    use super::*;

    /// Writes the instant.
    pub fn serialize<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(unix_millis(*t))
    }

    /// Reads the instant.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let ms = <u64 as serde::Deserialize>::deserialize(d)?;
        Ok(from_unix_millis(ms))
    }
}

/// `#[serde(with = "…::optional_instant")]`: an `Option<SystemTime>` as Unix milliseconds or
/// `null`.
pub mod optional_instant {
    use super::*;

    /// Writes the instant, or `null`.
    pub fn serialize<S: serde::Serializer>(
        t: &Option<SystemTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&unix_millis(*t)),
            None => s.serialize_none(),
        }
    }

    /// Reads the instant, or `null`.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<SystemTime>, D::Error> {
        let ms = <Option<u64> as serde::Deserialize>::deserialize(d)?;
        Ok(ms.map(from_unix_millis))
    }
}

/// `#[serde(with = "…::millis")]`: a `Duration` as whole milliseconds.
pub mod millis {
    use super::*;

    /// Writes the duration.
    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    /// Reads the duration.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(
            <u64 as serde::Deserialize>::deserialize(d)?,
        ))
    }
}

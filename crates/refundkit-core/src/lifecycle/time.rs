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

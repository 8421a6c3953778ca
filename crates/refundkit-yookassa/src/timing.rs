//! Dates: `requestDT`'s format, and the returnPayment page's time limits on refunds.
//!
//! Times are clamped to the years 0000..=9999 on the way in, and indexes never exceed the
//! input's length, so none of the integer arithmetic below can overflow.
#![allow(clippy::arithmetic_side_effects)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use refundkit_core::{Path, Report};

/// Unix seconds of an instant (negative before 1970), clamped to the years 0000..=9999.
fn secs_of(at: SystemTime) -> i64 {
    clamp(millis_of(at).div_euclid(1000))
}

/// Unix milliseconds of an instant (negative before 1970), saturating.
fn millis_of(at: SystemTime) -> i64 {
    match at.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_millis()).map_or(i64::MIN, |m| -m),
    }
}

/// The instant of Unix seconds `secs`.
fn at_secs(secs: i64) -> SystemTime {
    let d = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 {
        UNIX_EPOCH + d
    } else {
        UNIX_EPOCH - d
    }
}

/// Whether `s` is ISO 8601 date-time with an offset: `YYYY-MM-DDThh:mm:ss[.fff]` then `Z` or
/// `±hh:mm`, naming a real date and time (no month 13, no 30 February, no hour 24).
pub fn is_iso8601_with_offset(s: &str) -> bool {
    is_iso8601_form(s) && is_real_date_time(s)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// The fields of a string of [`is_iso8601_form`]'s shape are in range.
fn is_real_date_time(s: &str) -> bool {
    let n = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<i64>().ok());
    let (Some(y), Some(m), Some(d), Some(hh), Some(mm), Some(ss)) =
        (n(0..4), n(5..7), n(8..10), n(11..13), n(14..16), n(17..19))
    else {
        return false;
    };
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => return false,
    };
    let offset_ok = match s.rfind(['+', '-']).filter(|&i| i >= 19) {
        Some(i) => {
            n(i + 1..i + 3).is_some_and(|h| h <= 23) && n(i + 4..i + 6).is_some_and(|m| m <= 59)
        }
        None => true,
    };
    (1..=days).contains(&d) && hh <= 23 && mm <= 59 && ss <= 59 && offset_ok
}

fn is_iso8601_form(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|d| !d.is_empty() && d.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(digits(0..4) && at(4, b'-') && digits(5..7) && at(7, b'-') && digits(8..10))
        || !(at(10, b'T') && digits(11..13) && at(13, b':') && digits(14..16) && at(16, b':'))
        || !digits(17..19)
    {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        let n = b
            .iter()
            .skip(i + 1)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            digits(i + 1..i + 3) && at(i + 3, b':') && digits(i + 4..i + 6) && i + 6 == b.len()
        }
        _ => false,
    }
}

use refundkit_core::lifecycle::time::{civil_from_days, days_from_civil};

/// Unix seconds of 0000-01-01T00:00:00Z and of 9999-12-31T23:59:59Z.
const MIN_SECS: i64 = -62_167_219_200;
const MAX_SECS: i64 = 253_402_300_799;

fn clamp(unix_secs: i64) -> i64 {
    unix_secs.clamp(MIN_SECS, MAX_SECS)
}

/// `requestDT` for an instant, in UTC with milliseconds: `2011-07-02T20:38:00.000Z`.
pub fn format_request_dt(at: SystemTime) -> String {
    refundkit_core::lifecycle::time::format_utc(at)
}

/// The instant of `YYYY-MM-DDThh:mm:ss[.fff]Z` (UTC only, to the second; `None` otherwise).
pub fn parse_utc(s: &str) -> Option<SystemTime> {
    utc_secs(s).map(at_secs)
}

fn utc_secs(s: &str) -> Option<i64> {
    if !is_iso8601_with_offset(s) || !s.ends_with('Z') {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let days = days_from_civil(n(0..4)?, n(5..7)?, n(8..10)?);
    Some(days * 86_400 + n(11..13)? * 3600 + n(14..16)? * 60 + n(17..19)?)
}

/// The instant of any [`is_iso8601_with_offset`] time, to the second: `Z` or `±hh:mm` (MWS's
/// pages write Moscow's `+03:00`), the offset taken off; `None` for anything else.
pub fn parse_instant(s: &str) -> Option<SystemTime> {
    instant_secs(s).map(at_secs)
}

fn instant_secs(s: &str) -> Option<i64> {
    if !is_iso8601_with_offset(s) {
        return None;
    }
    let local = utc_secs(&format!("{}Z", s.get(..19)?))?;
    if s.ends_with('Z') {
        return Some(local);
    }
    let i = s.rfind(['+', '-']).filter(|&i| i >= 19)?;
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let offset = n(i + 1..i + 3)? * 3600 + n(i + 4..i + 6)? * 60;
    Some(if s.get(i..=i)? == "+" {
        local - offset
    } else {
        local + offset
    })
}

/// How a payment was made, for the returnPayment page's time limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaymentKind {
    /// SberPay: refundable for one year.
    SberPay,
    /// Bank card: acquirers may refuse after 15 months.
    BankCard,
    /// Mir Pay: as cards.
    MirPay,
    /// Anything else: three years.
    Other,
}

/// Moscow is UTC+3 all year; "the same day" of the returnPayment page ends at 23:59 Moscow time.
const MOSCOW_OFFSET_SECS: i64 = 3 * 3600;

fn moscow_date(unix_secs: i64) -> (i64, i64, i64) {
    civil_from_days((unix_secs + MOSCOW_OFFSET_SECS).div_euclid(86_400))
}

/// The same Moscow wall-clock time `months` later (day clamped to the month's end).
fn add_months(unix_secs: i64, months: i64) -> i64 {
    let local = unix_secs + MOSCOW_OFFSET_SECS;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let total = y * 12 + (m - 1) + months;
    let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let next_month_start = days_from_civil(
        if nm == 12 { ny + 1 } else { ny },
        if nm == 12 { 1 } else { nm + 1 },
        1,
    );
    let last_day = next_month_start - days_from_civil(ny, nm, 1);
    let days = days_from_civil(ny, nm, d.min(last_day));
    days * 86_400 + local.rem_euclid(86_400) - MOSCOW_OFFSET_SECS
}

/// The returnPayment page's time rules, as warnings (and an info) on `invoiceId`: the order was registered
/// at `registered` (orderCreatedDatetime), the refund is made at `refund_at`.
pub fn check_timing(
    report: &mut Report,
    registered: SystemTime,
    refund_at: SystemTime,
    kind: PaymentKind,
) {
    let (registered, refund_at) = (secs_of(registered), secs_of(refund_at));
    let path = Path::ROOT;
    let path = path.field("invoiceId");
    if moscow_date(registered) == moscow_date(refund_at) {
        report.info(
            &path,
            crate::codes::SAME_DAY_CANCELLATION,
            "refund on the payment's day (Moscow time): it is a cancellation, no commission is kept",
        );
    }
    if refund_at > add_months(registered, 36) {
        report.warning(
            &path,
            crate::codes::OLDER_THAN_THREE_YEARS,
            "payment older than three years: YooKassa refuses with error 616",
        );
    } else if kind == PaymentKind::SberPay && refund_at > add_months(registered, 12) {
        report.warning(
            &path,
            crate::codes::SBERPAY_OLDER_THAN_A_YEAR,
            "SberPay payments are refundable for one year",
        );
    } else if matches!(kind, PaymentKind::BankCard | PaymentKind::MirPay)
        && refund_at > add_months(registered, 15)
    {
        report.warning(
            &path,
            crate::codes::CARD_OLDER_THAN_15_MONTHS,
            "acquirers may refuse card and Mir Pay refunds after 15 months",
        );
    }
}

#[cfg(test)]
mod tests;

use super::*;

#[test]
fn request_dt_format_is_iso8601_with_offset() {
    for ok in [
        "2011-07-02T20:38:00.000Z",
        "2011-07-02T20:38:00Z",
        "2026-11-22T19:00:00.5+03:00",
    ] {
        assert!(is_iso8601_with_offset(ok), "{ok}");
    }
    for bad in [
        "2011-07-02T20:38:00",
        "2011-07-02 20:38:00Z",
        "2011-07-02T20:38:00.Z",
        "2011-7-2T20:38:00Z",
        "2011-07-02T20:38:00+0300",
        "",
    ] {
        assert!(!is_iso8601_with_offset(bad), "{bad}");
    }
}

fn millis(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

#[test]
fn request_dt_is_formatted_in_utc_with_millis() {
    assert_eq!(
        format_request_dt(millis(1_309_639_080_000)),
        "2011-07-02T20:38:00.000Z"
    );
    assert_eq!(format_request_dt(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    assert_eq!(
        format_request_dt(UNIX_EPOCH - Duration::from_millis(1)),
        "1969-12-31T23:59:59.999Z"
    );
    assert!(is_iso8601_with_offset(&format_request_dt(millis(
        1_795_000_000_123
    ))));
}

#[test]
fn civil_dates_round_trip() {
    for days in [-800_000, -1, 0, 1, 11_016, 20_000, 2_000_000] {
        let (y, m, d) = civil_from_days(days);
        assert_eq!(days_from_civil(y, m, d), days);
    }
}

#[test]
fn months_are_added_on_the_calendar() {
    // 2024-01-31 12:00 MSK + 1 month = 2024-02-29 12:00 MSK.
    let jan31 = days_from_civil(2024, 1, 31) * 86_400 + 9 * 3600;
    let feb29 = days_from_civil(2024, 2, 29) * 86_400 + 9 * 3600;
    assert_eq!(add_months(jan31, 1), feb29);
}

#[test]
fn an_impossible_date_or_time_is_not_a_date_time_and_never_shifted() {
    for s in [
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2025-02-29T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T23:60:00Z",
        "2026-01-01T23:59:60Z",
        "2026-01-01T00:00:00+24:00",
    ] {
        assert!(!is_iso8601_with_offset(s), "{s}");
        assert_eq!(parse_utc(s), None, "{s}");
    }
    assert!(is_iso8601_with_offset("2024-02-29T23:59:59.999+03:00"));
    assert_eq!(
        parse_utc("2026-12-01T00:00:00Z"),
        Some(millis(1_796_083_200_000))
    );
    assert_eq!(
        parse_utc("1969-12-31T23:59:59Z"),
        Some(UNIX_EPOCH - Duration::from_secs(1))
    );
}

#[test]
fn an_instant_with_an_offset_is_the_same_moment_in_utc() {
    let utc = parse_utc("2026-11-22T13:00:00Z").unwrap();
    assert_eq!(parse_instant("2026-11-22T13:00:00Z"), Some(utc));
    assert_eq!(parse_instant("2026-11-22T16:00:00.000+03:00"), Some(utc));
    assert_eq!(parse_instant("2026-11-22T08:30:00-04:30"), Some(utc));
    assert_eq!(parse_instant("2026-11-22T16:00:00"), None);
    assert_eq!(parse_instant("2026-02-30T16:00:00+03:00"), None);
}

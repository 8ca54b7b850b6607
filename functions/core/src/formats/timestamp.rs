//! Event times: ISO 8601 as ELB writes it, to epoch milliseconds (UTC).
//!
//! ELB writes `2018-07-02T22:23:00.186641Z` (ALB, CLB: microseconds), `2023-10-24T15:40:45.123Z` (connection
//! logs: milliseconds) and `2018-12-20T02:59:40` (NLB: no fraction, no `Z`, UTC). The parser accepts exactly
//! that shape (fraction of 1 to 9 digits, optional `Z`) and truncates to milliseconds, as CloudWatch stores them.
//! It is hand-written because it runs once per line on the hot path (a few ns, against ~100 ns for a general
//! date library); tests pin every documented form and a property test round-trips it with [`format_ms`] over
//! years 1 to 9999.
//!
//! ```
//! use elbship_core::formats::timestamp::parse_iso8601_ms;
//! assert_eq!(parse_iso8601_ms(b"1970-01-02T00:00:00.0015Z"), Some(86_400_001));
//! assert_eq!(parse_iso8601_ms(b"2018-12-20T02:59:40"), Some(1_545_274_780_000));
//! assert_eq!(parse_iso8601_ms(b"not a time"), None);
//! ```

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian), after Howard Hinnant's algorithm.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count from 1970-01-01: (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
}

/// Epoch milliseconds of a valid civil date and time, or `None` if any part is out of range.
pub fn epoch_ms(year: i64, month: u32, day: u32, hour: u32, min: u32, sec: u32, ms: u32) -> Option<i64> {
    let valid = (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && hour < 24
        && min < 60
        && sec < 60
        && ms < 1000;
    valid.then(|| {
        let days = days_from_civil(year, month, day);
        ((days * 24 + i64::from(hour)) * 60 + i64::from(min)) * 60_000 + i64::from(sec) * 1000 + i64::from(ms)
    })
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z]` to epoch milliseconds, truncating the fraction.
pub fn parse_iso8601_ms(s: &[u8]) -> Option<i64> {
    let s = s.strip_suffix(b"Z").unwrap_or(s);
    if s.len() < 19 || s[4] != b'-' || s[7] != b'-' || s[10] != b'T' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    let year = i64::from(digits(&s[0..4])?);
    let month = digits(&s[5..7])?;
    let day = digits(&s[8..10])?;
    let hour = digits(&s[11..13])?;
    let min = digits(&s[14..16])?;
    let sec = digits(&s[17..19])?;
    let ms = match &s[19..] {
        [] => 0,
        [b'.', frac @ ..] if (1..=9).contains(&frac.len()) => {
            digits(frac)?;
            let mut padded = [b'0'; 3];
            let n = frac.len().min(3);
            padded[..n].copy_from_slice(&frac[..n]);
            digits(&padded)?
        }
        _ => return None,
    };
    epoch_ms(year, month, day, hour, min, sec, ms)
}

/// Parses the compact end time of an ELB file name, `20140215T2340Z`, to epoch milliseconds.
pub fn parse_compact_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 14 || b[8] != b'T' || b[13] != b'Z' {
        return None;
    }
    epoch_ms(
        i64::from(digits(&b[0..4])?),
        digits(&b[4..6])?,
        digits(&b[6..8])?,
        digits(&b[9..11])?,
        digits(&b[11..13])?,
        0,
        0,
    )
}

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// Parses the output of [`format_ms`] (or any form [`parse_iso8601_ms`] takes), for command-line options.
pub fn parse_cli_time(s: &str) -> Option<i64> {
    parse_iso8601_ms(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_precision_elb_writes() {
        // ALB sample line time, microseconds.
        assert_eq!(parse_iso8601_ms(b"2018-07-02T22:23:00.186641Z"), Some(1_530_570_180_186));
        // connection log, milliseconds.
        assert_eq!(parse_iso8601_ms(b"2023-10-24T15:40:45.123Z"), Some(1_698_162_045_123));
        // NLB: no fraction, no Z.
        assert_eq!(parse_iso8601_ms(b"2018-12-20T02:59:40"), Some(1_545_274_780_000));
        // no fraction, with Z.
        assert_eq!(parse_iso8601_ms(b"2018-12-20T02:59:40Z"), Some(1_545_274_780_000));
        // one and nine digits.
        assert_eq!(parse_iso8601_ms(b"2018-12-20T02:59:40.5Z"), Some(1_545_274_780_500));
        assert_eq!(parse_iso8601_ms(b"2018-12-20T02:59:40.999999999Z"), Some(1_545_274_780_999));
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for bad in [
            &b""[..],
            b"-",
            b"2018-12-20",
            b"2018-12-20 02:59:40",
            b"2018-13-20T02:59:40",
            b"2018-02-29T02:59:40",
            b"2018-12-20T24:00:00",
            b"2018-12-20T02:59:40.",
            b"2018-12-20T02:59:40.1234567890",
            b"2018-12-20T02:59:40.12a",
            b"2018-12-20T02:59:40+01:00",
            b"2018-12-20T02:59:40ZZ",
            b"+018-12-20T02:59:40",
        ] {
            assert_eq!(parse_iso8601_ms(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(parse_iso8601_ms(b"2020-02-29T00:00:00Z"), Some(1_582_934_400_000));
    }

    #[test]
    fn compact_end_time_from_file_names() {
        assert_eq!(parse_compact_ms("20140215T2340Z"), Some(1_392_507_600_000));
        assert_eq!(parse_compact_ms("20140215T2340"), None);
        assert_eq!(parse_compact_ms("20141315T2340Z"), None);
    }

    #[test]
    fn formats_what_it_parses() {
        assert_eq!(format_ms(1_530_570_180_186), "2018-07-02T22:23:00.186Z");
        assert_eq!(format_ms(-1), "1969-12-31T23:59:59.999Z");
    }

    proptest! {
        #[test]
        fn format_and_parse_round_trip(ms in -62_135_596_800_000i64..253_402_300_799_999) {
            prop_assert_eq!(parse_iso8601_ms(format_ms(ms).as_bytes()), Some(ms));
        }

        #[test]
        fn civil_days_round_trip(days in -1_000_000i64..1_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, m, d), days);
            prop_assert!(d <= days_in_month(y, m));
        }
    }
}

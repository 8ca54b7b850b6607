//! What an object must become, read from the object itself with none of elbship's code: gzip decoded by flate2,
//! lines split on `\n`, and a line's time read by the civil calendar from the field the user guide puts it in (an ALB
//! access or health check line's second, an NLB line's third, a Classic or ALB connection line's first). The end-to-end
//! tests compare CloudWatch Logs with this, so a parsing or batching bug in the core cannot hide behind an
//! expectation the same code computed.

use crate::Stored;
use std::io::Read;

/// The object's lines as ELB wrote them (blank lines left out: elbship counts them and ships nothing).
pub fn object_lines(key: &str, bytes: &[u8]) -> Vec<String> {
    let mut text = Vec::new();
    if key.ends_with(".gz") {
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut text)
            .unwrap_or_else(|e| panic!("{key} is not the gzip the test wrote: {e}"));
    } else {
        text.extend_from_slice(bytes);
    }
    let text = String::from_utf8(text).unwrap_or_else(|e| panic!("{key}: the test writes UTF-8 lines: {e}"));
    text.split('\n').filter(|l| !l.trim().is_empty()).map(str::to_string).collect()
}

/// The events an access log of recent lines becomes in raw mode, sorted: each line once, at its own time. The kind
/// is read from the file name as the user guide describes it: Classic objects are plain `.log`, NLB names hold
/// `net.`, ALB connection logs start `conn_log`, the others (access, health check) keep the time second.
pub fn events(key: &str, bytes: &[u8]) -> Vec<Stored> {
    let file = key.rsplit('/').next().unwrap_or_default();
    let time_field = if file.ends_with(".log") || file.starts_with("conn_log") {
        0
    } else if file.contains("_net.") {
        2
    } else {
        1
    };
    let mut out: Vec<Stored> = object_lines(key, bytes)
        .into_iter()
        .map(|line| {
            let time = line.split(' ').nth(time_field).unwrap_or_default();
            let ms = iso8601_ms(time).unwrap_or_else(|| panic!("no time in field {time_field} of {line:?} ({file})"));
            (ms, line)
        })
        .collect();
    out.sort();
    out
}

/// `2026-11-27T01:02:03.123456Z` as milliseconds since the epoch (fractions truncated to milliseconds).
pub fn iso8601_ms(s: &str) -> Option<i64> {
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|v| v.parse::<i64>().ok());
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let frac = s.get(19..).unwrap_or_default().trim_start_matches('.').trim_end_matches('Z');
    let ms = format!("{frac:0<3}").get(..3).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    Some((days_from_civil(y, m, d) * 86_400 + hh * 3_600 + mm * 60 + ss) * 1_000 + ms)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_the_calendar_says() {
        assert_eq!(iso8601_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(iso8601_ms("2000-03-01T00:00:00.5Z"), Some(951_868_800_500));
        assert_eq!(iso8601_ms("2026-11-27T01:02:03.123456Z"), Some(1_795_741_323_123));
        assert_eq!(iso8601_ms("not a time"), None);
    }

    #[test]
    fn lines_come_from_the_bytes_gzip_or_not() {
        let text = b"a 2026-11-27T01:02:03.000Z x\n\nb 2026-11-27T01:02:04.000Z y\n";
        assert_eq!(object_lines("k.log", text).len(), 2);
        assert_eq!(object_lines("k.log.gz", &crate::gzip(text)), object_lines("k.log", text));
        let alb = events("x_app.lb.1_t.log.gz", &crate::gzip(text));
        assert_eq!(alb[1].0 - alb[0].0, 1_000);
    }

    #[test]
    fn each_kind_has_its_time_where_the_user_guide_says() {
        let nlb = b"tls 2.0 2026-11-27T01:02:03 net/lb/1 x\n";
        assert_eq!(events("a_net.lb.1_t.log.gz", &crate::gzip(nlb))[0].0, 1_795_741_323_000);
        let classic = b"2026-11-27T01:02:03.123456Z lb 1.2.3.4:5 -\n";
        assert_eq!(events("a_lb_t_10.0.0.1_r.log", classic)[0].0, 1_795_741_323_123);
    }
}

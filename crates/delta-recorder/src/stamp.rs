//! File-name timestamps exactly as Nautilus's catalog writes them: ISO-8601 UTC with nine fraction digits and
//! `:` and `.` replaced by `-` (`2025-06-15T15-06-40-000000500Z`).

const NANOS_PER_SECOND: u64 = 1_000_000_000;
const SECONDS_PER_DAY: u64 = 86_400;

/// The catalog file-name form of `ns` since the Unix epoch.
pub fn file_stamp(ns: u64) -> String {
    let (seconds, nanos) = (ns / NANOS_PER_SECOND, ns % NANOS_PER_SECOND);
    let (days, second_of_day) = (seconds / SECONDS_PER_DAY, seconds % SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (second_of_day / 3600, second_of_day % 3600 / 60, second_of_day % 60);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}-{minute:02}-{second:02}-{nanos:09}Z")
}

/// `<start>_<end>.parquet` of a file whose first and last `ts_init` are `first_ns` and `last_ns`.
pub fn file_name(first_ns: u64, last_ns: u64) -> String {
    format!("{}_{}.parquet", file_stamp(first_ns), file_stamp(last_ns))
}

/// Gregorian (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_nautilus() {
        // The research example: 2025-06-15T15:06:40.000000500Z.
        assert_eq!(file_stamp(1_750_000_000_000_000_500), "2025-06-15T15-06-40-000000500Z");
        assert_eq!(file_stamp(0), "1970-01-01T00-00-00-000000000Z");
        assert_eq!(file_stamp(951_782_400_000_000_000), "2000-02-29T00-00-00-000000000Z");
        assert_eq!(file_stamp(1_798_761_599_999_999_999), "2026-12-31T23-59-59-999999999Z");
        assert_eq!(
            file_name(1_750_000_000_000_000_500, 1_750_000_000_004_000_500),
            "2025-06-15T15-06-40-000000500Z_2025-06-15T15-06-40-004000500Z.parquet"
        );
    }
}

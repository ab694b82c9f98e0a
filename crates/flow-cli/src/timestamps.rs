//! Timestamps as the CLI prints them: RFC 3339 in UTC, to the millisecond.

use time::OffsetDateTime;
use time::macros::format_description;

pub fn rfc3339(at: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| at.to_string())
}

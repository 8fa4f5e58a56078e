//! Reading CloudFront standard access logs (spec/distribution.md §15): W3C, tab-separated, the
//! columns named by the `#Fields:` header line (CloudFront's 33 fields in order when a file has
//! none), gzip-compressed or not. Each line becomes the viewer request it records; a line that
//! cannot be one is counted with its reason, never fatal.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use http::{HeaderName, HeaderValue, Method};
use percent_encoding::percent_decode_str;

use crate::access_log::FIELDS;

/// One viewer request, rebuilt from a log line.
#[derive(Debug, Clone)]
pub struct LogRecord {
    /// When CloudFront logged it, in seconds since the Unix epoch.
    pub timestamp: f64,
    /// Whether the log's `time` had whole seconds only (standard logs do), so requests sharing a
    /// second can be spread over it.
    pub whole_second: bool,
    /// `cs-method`.
    pub method: Method,
    /// The viewer's `Host`: `x-host-header`, else `cs(Host)`.
    pub host: Option<String>,
    /// `cs-uri-stem` and `cs-uri-query` as a request target (`/path?query`).
    pub path_and_query: String,
    /// `cs(User-Agent)`, `cs(Referer)`, `cs(Cookie)` and `x-forwarded-for`, as sent.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// `cs-protocol` (`http`, `https`, `ws`, `wss`).
    pub protocol: Option<String>,
    /// `x-edge-result-type` (`Hit`, `Miss`, …), what CloudFront did with it.
    pub result_type: Option<String>,
}

/// A line that was not a request, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BadLine {
    /// The file.
    pub file: String,
    /// Its line number (1-based).
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// Everything read from the log files.
#[derive(Debug, Default)]
pub struct ParsedLogs {
    /// The requests, in file order.
    pub records: Vec<LogRecord>,
    /// How many data lines were not requests.
    pub bad_lines: u64,
    /// The first few of them, to show.
    pub bad_examples: Vec<BadLine>,
}

/// How many bad lines are kept as examples.
const BAD_EXAMPLES: usize = 20;

/// Reads every file; fails only when a file cannot be opened or read.
pub fn read_files(paths: &[PathBuf]) -> Result<ParsedLogs, String> {
    let mut parsed = ParsedLogs::default();
    for path in paths {
        read_file(path, &mut parsed).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(parsed)
}

fn read_file(path: &Path, parsed: &mut ParsedLogs) -> std::io::Result<()> {
    let mut file = BufReader::new(std::fs::File::open(path)?);
    // gzip by its magic bytes, whatever the file is called (CloudFront's files end in `.gz`).
    let gzip = file.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn BufRead> = if gzip {
        Box::new(BufReader::new(MultiGzDecoder::new(file)))
    } else {
        Box::new(file)
    };
    read_lines(reader, &path.display().to_string(), parsed)
}

/// Reads one log's lines (`name` labels its bad lines).
pub fn read_lines(
    mut reader: impl BufRead,
    name: &str,
    parsed: &mut ParsedLogs,
) -> std::io::Result<()> {
    let mut columns = Columns::new(FIELDS.iter().map(|f| f.to_string()).collect());
    let mut buf = Vec::new();
    let mut number = 0;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        number += 1;
        let outcome = match std::str::from_utf8(&buf) {
            Ok(line) => {
                let line = line.trim_end_matches(['\n', '\r']);
                if let Some(fields) = line.strip_prefix("#Fields:") {
                    columns = Columns::new(fields.split_whitespace().map(str::to_owned).collect());
                    continue;
                }
                if line.starts_with('#') || line.trim().is_empty() {
                    continue;
                }
                columns.record(line)
            }
            Err(_) => Err("not UTF-8".to_owned()),
        };
        match outcome {
            Ok(record) => parsed.records.push(record),
            Err(reason) => {
                parsed.bad_lines += 1;
                if parsed.bad_examples.len() < BAD_EXAMPLES {
                    parsed.bad_examples.push(BadLine {
                        file: name.to_owned(),
                        line: number,
                        reason,
                    });
                }
            }
        }
    }
}

/// The column layout a `#Fields:` line declares.
struct Columns {
    names: Vec<String>,
    index: BTreeMap<String, usize>,
}

impl Columns {
    fn new(names: Vec<String>) -> Self {
        let index = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        Self { names, index }
    }

    fn record(&self, line: &str) -> Result<LogRecord, String> {
        let values: Vec<&str> = line.split('\t').collect();
        if values.len() != self.names.len() {
            return Err(format!(
                "{} tab-separated values where #Fields names {}",
                values.len(),
                self.names.len()
            ));
        }
        let raw = |name: &str| -> Option<&str> {
            self.index
                .get(name)
                .map(|&i| values[i])
                .filter(|v| *v != "-" && !v.is_empty())
        };
        let required = |name: &str| raw(name).ok_or_else(|| format!("no `{name}` value"));
        // Values are URL-encoded in the log (§15): decoded once, they are what the viewer sent.
        let decoded =
            |name: &str| raw(name).map(|v| percent_decode_str(v).decode_utf8_lossy().into_owned());

        let (timestamp, whole_second) = timestamp(required("date")?, required("time")?)?;
        let method = Method::from_bytes(required("cs-method")?.as_bytes())
            .map_err(|_| "`cs-method` is not an HTTP method".to_owned())?;
        let stem = decoded("cs-uri-stem").ok_or("no `cs-uri-stem` value")?;
        if !stem.starts_with('/') {
            return Err(format!("`cs-uri-stem` {stem:?} does not start with `/`"));
        }
        let mut path_and_query = target_encode(&stem, PATH);
        if let Some(query) = decoded("cs-uri-query") {
            path_and_query.push('?');
            path_and_query.push_str(&target_encode(&query, QUERY));
        }
        path_and_query
            .parse::<http::uri::PathAndQuery>()
            .map_err(|e| format!("not a request target {path_and_query:?}: {e}"))?;

        let mut headers = Vec::new();
        for (field, header) in [
            ("cs(User-Agent)", http::header::USER_AGENT),
            ("cs(Referer)", http::header::REFERER),
            ("cs(Cookie)", http::header::COOKIE),
            (
                "x-forwarded-for",
                HeaderName::from_static("x-forwarded-for"),
            ),
        ] {
            if let Some(v) = decoded(field) {
                let value = HeaderValue::from_str(&v)
                    .map_err(|_| format!("`{field}` is not a valid header value"))?;
                headers.push((header, value));
            }
        }
        let host = decoded("x-host-header").or_else(|| decoded("cs(Host)"));
        if let Some(h) = &host {
            HeaderValue::from_str(h)
                .map_err(|_| "the host is not a valid header value".to_owned())?;
        }
        Ok(LogRecord {
            timestamp,
            whole_second,
            method,
            host,
            path_and_query,
            headers,
            protocol: raw("cs-protocol").map(str::to_ascii_lowercase),
            result_type: raw("x-edge-result-type").map(str::to_owned),
        })
    }
}

/// `date` (`2026-11-25`) and `time` (`16:35:17`, fractions of a second accepted) in UTC, as
/// seconds since the epoch, and whether the time was whole seconds.
fn timestamp(date: &str, clock: &str) -> Result<(f64, bool), String> {
    let bad_date = || format!("`date` {date:?} is not YYYY-MM-DD");
    let mut d = date.split('-').map(str::parse::<u32>);
    let (Some(Ok(year)), Some(Ok(month)), Some(Ok(day)), None) =
        (d.next(), d.next(), d.next(), d.next())
    else {
        return Err(bad_date());
    };
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or_else(bad_date)?;
    let date =
        time::Date::from_calendar_date(year as i32, month, day as u8).map_err(|_| bad_date())?;

    let bad_time = || format!("`time` {clock:?} is not HH:MM:SS");
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    let mut t = hms.split(':').map(str::parse::<u8>);
    let (Some(Ok(h)), Some(Ok(m)), Some(Ok(s)), None) = (t.next(), t.next(), t.next(), t.next())
    else {
        return Err(bad_time());
    };
    let fraction = match fraction {
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            format!("0.{f}").parse::<f64>().map_err(|_| bad_time())?
        }
        Some(_) => return Err(bad_time()),
        None => 0.0,
    };
    let clock_time = time::Time::from_hms(h, m, s).map_err(|_| bad_time())?;
    let seconds = time::PrimitiveDateTime::new(date, clock_time)
        .assume_utc()
        .unix_timestamp();
    Ok((seconds as f64 + fraction, fraction == 0.0))
}

/// Characters that cannot stand in a request target's path: they are sent percent-encoded.
const PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^');

/// The same for the query (where `?` may stand).
const QUERY: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^');

/// A decoded value as it goes on the wire: characters a URI cannot hold are percent-encoded, and
/// a `%` that does not start an escape becomes `%25`; escapes the viewer sent stay as they were.
fn target_encode(value: &str, set: &'static percent_encoding::AsciiSet) -> String {
    let bytes = value.as_bytes();
    let mut out = String::with_capacity(value.len());
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit();
        if b == b'%' && !escape {
            out.extend(percent_encoding::utf8_percent_encode(&value[start..i], set));
            out.push_str("%25");
            start = i + 1;
        }
    }
    out.extend(percent_encoding::utf8_percent_encode(&value[start..], set));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_decoded_once_and_reencoded_for_the_wire() {
        assert_eq!(target_encode("/a b/%41%zz", PATH), "/a%20b/%41%25zz");
        assert_eq!(target_encode("x=%3D&y=1?2", QUERY), "x=%3D&y=1?2");
        assert_eq!(target_encode("100%", QUERY), "100%25");
    }

    #[test]
    fn the_time_may_carry_a_fraction() {
        assert_eq!(
            timestamp("1970-01-02", "00:00:01").unwrap(),
            (86401.0, true)
        );
        assert_eq!(
            timestamp("1970-01-01", "00:00:01.250").unwrap(),
            (1.25, false)
        );
        assert!(timestamp("1970-13-01", "00:00:01").is_err());
        assert!(timestamp("1970-01-01", "24:00:01").is_err());
    }
}

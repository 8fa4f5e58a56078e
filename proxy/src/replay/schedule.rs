//! When each request is sent: the log's own timing scaled by `--speed` (open loop: a request goes
//! at its time whether or not earlier ones were answered), or as fast as the concurrency allows
//! (`max`); `--sample` keeps a random share, `--duration` cuts the replay short.

use std::str::FromStr;
use std::time::Duration;

use rand::{Rng, SeedableRng};

use super::parse::LogRecord;

/// How fast the log is replayed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// The recorded timing divided by this factor (`1x`, `10x`, `0.5x`).
    Factor(f64),
    /// As fast as possible, `--concurrency` requests at a time.
    Max,
}

impl FromStr for Speed {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("max") {
            return Ok(Self::Max);
        }
        let factor = s.strip_suffix(['x', 'X']).unwrap_or(s);
        match factor.parse::<f64>() {
            Ok(f) if f.is_finite() && f > 0.0 => Ok(Self::Factor(f)),
            _ => Err(format!(
                "`{s}` is not a speed: use a factor like 1x, 10x, 0.5x, or max"
            )),
        }
    }
}

impl std::fmt::Display for Speed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Factor(x) => write!(f, "{x}x"),
            Self::Max => f.write_str("max"),
        }
    }
}

/// A duration like `500ms`, `30s`, `5m`, `1h` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let scale = match unit {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => f64::NAN,
    };
    match number.parse::<f64>() {
        Ok(n) if n.is_finite() && scale.is_finite() && n > 0.0 => {
            Ok(Duration::from_secs_f64(n * scale))
        }
        _ => Err(format!(
            "`{s}` is not a duration: use e.g. 500ms, 30s, 5m, 1h"
        )),
    }
}

/// A request and when to send it.
#[derive(Debug)]
pub struct Planned {
    /// Its position in the replay.
    pub index: usize,
    /// When to send it, from the replay's start (zero for every request at `max`).
    pub offset: Duration,
    /// The request.
    pub record: LogRecord,
}

/// Orders the requests by their logged time and gives each its send time.
///
/// Standard logs have whole seconds: requests logged in the same second are spread evenly over
/// it rather than sent in one burst at its start.
pub fn plan(
    mut records: Vec<LogRecord>,
    speed: Speed,
    sample: Option<f64>,
    duration: Option<Duration>,
    seed: u64,
) -> Vec<Planned> {
    if let Some(share) = sample {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        records.retain(|_| rng.random_bool(share.clamp(0.0, 1.0)));
    }
    // Stable: lines of one second keep their file order.
    records.sort_by(|a, b| a.timestamp.total_cmp(&b.timestamp));
    let first = records.first().map_or(0.0, |r| r.timestamp);
    let mut times: Vec<f64> = records.iter().map(|r| r.timestamp - first).collect();
    let mut i = 0;
    while i < records.len() {
        let mut j = i + 1;
        if records[i].whole_second {
            while j < records.len()
                && records[j].whole_second
                && records[j].timestamp == records[i].timestamp
            {
                j += 1;
            }
            let n = (j - i) as f64;
            for (k, t) in times[i..j].iter_mut().enumerate() {
                *t += k as f64 / n;
            }
        }
        i = j;
    }
    records
        .into_iter()
        .zip(times)
        .map(|(record, t)| match speed {
            Speed::Factor(f) => (record, Duration::from_secs_f64(t / f)),
            Speed::Max => (record, Duration::ZERO),
        })
        // At `max` the duration bounds the sending time instead (see send.rs).
        .filter(|(_, offset)| duration.is_none_or(|d| speed == Speed::Max || *offset < d))
        .enumerate()
        .map(|(index, (record, offset))| Planned {
            index,
            offset,
            record,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_and_durations_parse() {
        assert_eq!("10x".parse::<Speed>().unwrap(), Speed::Factor(10.0));
        assert_eq!("0.5".parse::<Speed>().unwrap(), Speed::Factor(0.5));
        assert_eq!("MAX".parse::<Speed>().unwrap(), Speed::Max);
        assert!("0x".parse::<Speed>().is_err());
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("2 weeks").is_err());
    }
}

//! Edge compression (spec/distribution.md §10): gzip or brotli applied to the origin's response
//! before it is cached, when the behavior compresses, its cache policy caches compressed objects,
//! and the object qualifies by status, size and type.

use std::io::Write;

use bytes::Bytes;
use pingora::http::{RequestHeader, ResponseHeader};
use pingora::Result;

use localfront_config::CacheBehavior;

/// Smallest and largest bodies CloudFront compresses.
const MIN_BYTES: u64 = 1_000;
const MAX_BYTES: u64 = 10_000_000;

/// The content types CloudFront compresses (AWS, "Serving compressed files").
const TYPES: &[&str] = &[
    "application/dash+xml",
    "application/eot",
    "application/font",
    "application/font-sfnt",
    "application/javascript",
    "application/json",
    "application/opentype",
    "application/otf",
    "application/pdf",
    "application/pkcs7-mime",
    "application/protobuf",
    "application/rss+xml",
    "application/truetype",
    "application/ttf",
    "application/vnd.apple.mpegurl",
    "application/vnd.mpegurl",
    "application/vnd.ms-fontobject",
    "application/x-font-opentype",
    "application/x-font-truetype",
    "application/x-font-ttf",
    "application/x-httpd-cgi",
    "application/x-javascript",
    "application/x-mpegurl",
    "application/x-opentype",
    "application/x-otf",
    "application/x-perl",
    "application/x-ttf",
    "application/xhtml+xml",
    "application/xml",
    "font/eot",
    "font/opentype",
    "font/otf",
    "font/ttf",
    "image/svg+xml",
    "text/css",
    "text/csv",
    "text/html",
    "text/javascript",
    "text/js",
    "text/plain",
    "text/richtext",
    "text/tab-separated-values",
    "text/xml",
    "text/x-script",
    "text/x-component",
    "text/x-java-source",
];

/// A running compressor for one response body.
pub enum Compressor {
    /// gzip (RFC 1952).
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    /// brotli (RFC 7932); boxed, it is large; taken when the stream is finished.
    Brotli(Option<Box<brotli::CompressorWriter<Vec<u8>>>>),
}

/// Decides whether to compress this response and, if so, rewrites its header and returns the
/// compressor for its body. `origin_request` is the request as sent to the origin (its
/// `Accept-Encoding` is the normalized one), `viewer` the viewer's.
pub fn start(
    behavior: &CacheBehavior,
    viewer: &RequestHeader,
    origin_accept_encoding: Option<&str>,
    resp: &mut ResponseHeader,
) -> Result<Option<Compressor>> {
    let policy = &behavior.cache_policy;
    let qualifies = behavior.compress
        && (policy.gzip || policy.brotli)
        && !policy.max_ttl.is_zero()
        && viewer.version != http::Version::HTTP_10
        && matches!(resp.status.as_u16(), 200 | 403 | 404)
        && !resp.headers.contains_key(http::header::CONTENT_ENCODING)
        && content_length(resp).is_some_and(|l| (MIN_BYTES..=MAX_BYTES).contains(&l))
        && compressible_type(resp);
    if !qualifies {
        return Ok(None);
    }
    // Brotli preferred (spec/distribution.md §10), as the normalized Accept-Encoding allows.
    let offered = origin_accept_encoding.unwrap_or("");
    let (coding, compressor) = if offered.contains("br") {
        ("br", Compressor::brotli())
    } else if offered.contains("gzip") {
        ("gzip", Compressor::gzip())
    } else {
        return Ok(None);
    };
    resp.insert_header(http::header::CONTENT_ENCODING, coding)?;
    resp.remove_header(&http::header::CONTENT_LENGTH);
    resp.insert_header(http::header::TRANSFER_ENCODING, "chunked")?;
    // A strong ETag names these exact bytes, which change: it becomes weak; an invalid one goes.
    if let Some(etag) = resp
        .headers
        .get(http::header::ETAG)
        .map(|v| v.as_bytes().to_vec())
    {
        if etag.starts_with(b"W/\"") {
            // already weak
        } else if etag.len() >= 2 && etag.starts_with(b"\"") && etag.ends_with(b"\"") {
            resp.insert_header(http::header::ETAG, [b"W/".as_slice(), &etag].concat())?;
        } else {
            resp.remove_header(&http::header::ETAG);
        }
    }
    let vary = match resp
        .headers
        .get(http::header::VARY)
        .and_then(|v| v.to_str().ok())
    {
        Some(v) if v.to_ascii_lowercase().contains("accept-encoding") => v.to_owned(),
        Some(v) if !v.is_empty() => format!("{v}, Accept-Encoding"),
        _ => "Accept-Encoding".to_owned(),
    };
    resp.insert_header(http::header::VARY, vary)?;
    Ok(Some(compressor))
}

impl Compressor {
    /// gzip at level 6.
    fn gzip() -> Self {
        Self::Gzip(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::new(6),
        ))
    }

    /// brotli at quality 5, a 4 MiB window: CloudFront-like ratios at edge speed.
    fn brotli() -> Self {
        Self::Brotli(Some(Box::new(brotli::CompressorWriter::new(
            Vec::new(),
            4096,
            5,
            22,
        ))))
    }

    /// Compresses one chunk; on the last one, flushes everything.
    pub fn feed(&mut self, data: Option<&Bytes>, end: bool) -> std::io::Result<Bytes> {
        let out = match self {
            Self::Gzip(e) => {
                if let Some(d) = data {
                    e.write_all(d)?;
                }
                if end {
                    e.try_finish()?;
                }
                std::mem::take(e.get_mut())
            }
            Self::Brotli(slot) => {
                let Some(e) = slot.as_mut() else {
                    return Ok(Bytes::new());
                };
                if let Some(d) = data {
                    e.write_all(d)?;
                }
                match (end, slot.take()) {
                    // Closing the stream writes brotli's final block.
                    (true, Some(finished)) => finished.into_inner(),
                    (_, Some(mut e)) => {
                        let out = std::mem::take(e.get_mut());
                        *slot = Some(e);
                        out
                    }
                    (_, None) => Vec::new(),
                }
            }
        };
        Ok(Bytes::from(out))
    }
}

fn content_length(resp: &ResponseHeader) -> Option<u64> {
    resp.headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn compressible_type(resp: &ResponseHeader) -> bool {
    let Some(ct) = resp
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    TYPES.contains(&mime.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn roundtrip(mut c: Compressor) -> Vec<u8> {
        let data = Bytes::from(vec![b'a'; 50_000]);
        let mut out = c.feed(Some(&data), false).unwrap().to_vec();
        out.extend_from_slice(&c.feed(Some(&data), false).unwrap());
        out.extend_from_slice(&c.feed(None, true).unwrap());
        out
    }

    #[test]
    fn gzip_and_brotli_streams_decode_to_the_input() {
        let gz = roundtrip(Compressor::gzip());
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain.len(), 100_000);

        let br = roundtrip(Compressor::brotli());
        let mut plain = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain.len(), 100_000);
    }
}

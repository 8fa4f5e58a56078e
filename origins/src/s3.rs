//! A local directory served the way Amazon S3 serves a bucket.
//!
//! The request path, percent-decoded, is the object key; the file under the
//! root directory with that relative path is the object. Answers mimic S3:
//! XML errors (`AccessDenied`, or `NoSuchKey` when the caller may list the
//! bucket), `ETag`/`Last-Modified` validators, conditional requests, single
//! byte ranges, and the website endpoint's index document and directory
//! redirect. Bucket listing itself is not implemented.

mod conditional;
mod error;

use std::io::{self, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use httpdate::HttpDate;
use percent_encoding::percent_decode_str;
use tokio::io::AsyncSeekExt;

use self::conditional::{
    clamp_mtime, evaluate_preconditions, make_etag, parse_range, Precondition, RangeOutcome,
};
use self::error::{s3_error, RequestIds};
use crate::body::OriginBody;

/// A directory on disk served as an S3 bucket.
#[derive(Debug)]
pub struct S3Directory {
    /// Canonical path of the bucket's root directory.
    root: PathBuf,
    /// File name served for keys that are empty or end with `/`.
    index_document: Option<String>,
    /// Whether the caller may list the bucket, which makes missing keys
    /// answer 404 `NoSuchKey` instead of 403 `AccessDenied`.
    list_bucket: bool,
}

/// What a key resolves to.
enum Lookup {
    /// A regular file inside the root.
    Found(Object),
    /// A directory holding the index document, named without trailing `/`.
    Directory,
    /// Nothing servable (also the answer to traversal attempts).
    Missing,
}

/// A file served as an object.
struct Object {
    /// Path as named by the key; its extension gives the content type.
    named: PathBuf,
    /// Canonical path, checked to be inside the root; the file opened.
    canonical: PathBuf,
    /// File length.
    len: u64,
    /// Modification time.
    modified: SystemTime,
}

impl S3Directory {
    /// Serves the directory `root`. Fails if `root` is not an existing
    /// directory or if `index_document` is not a plain file name.
    pub fn new(
        root: impl Into<PathBuf>,
        index_document: Option<String>,
        list_bucket: bool,
    ) -> io::Result<Self> {
        let root = root.into().canonicalize()?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a directory", root.display()),
            ));
        }
        if let Some(index) = &index_document {
            if index.is_empty() || index.contains(['/', '\0']) || index == "." || index == ".." {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("index document {index:?} is not a file name"),
                ));
            }
        }
        Ok(Self {
            root,
            index_document,
            list_bucket,
        })
    }

    /// Answers one request as S3 would. The request body is ignored.
    pub async fn handle<B>(&self, req: Request<B>) -> Response<OriginBody> {
        let (parts, _body) = req.into_parts();
        let ids = RequestIds::new();
        let head = parts.method == Method::HEAD;
        let mut response = if head || parts.method == Method::GET {
            self.get(parts.uri.path(), &parts.headers, head, &ids).await
        } else {
            let mut r = s3_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
                &[
                    ("Method", parts.method.as_str()),
                    ("ResourceType", "OBJECT"),
                ],
                &ids,
            );
            set(r.headers_mut(), header::ALLOW, "GET, HEAD");
            r
        };
        let headers = response.headers_mut();
        set(headers, header::SERVER, "AmazonS3");
        set(headers, "x-amz-request-id", ids.request_id);
        set(headers, "x-amz-id-2", ids.host_id);
        if head {
            // Same headers as GET (Content-Length included), no body.
            *response.body_mut() = OriginBody::empty();
        }
        response
    }

    /// GET or HEAD of the object named by `raw_path`.
    async fn get(
        &self,
        raw_path: &str,
        headers: &HeaderMap,
        head: bool,
        ids: &RequestIds,
    ) -> Response<OriginBody> {
        let key = object_key(raw_path);
        let lookup = match &key {
            Some(key) => self.lookup(key).await,
            None => Lookup::Missing,
        };
        match lookup {
            Lookup::Found(object) => serve_object(&object, headers, head, ids).await,
            Lookup::Directory => {
                // The S3 website endpoint redirects `/dir` to `/dir/`; the
                // query string is dropped, as S3 does.
                let mut r = Response::new(OriginBody::empty());
                *r.status_mut() = StatusCode::FOUND;
                set(r.headers_mut(), header::LOCATION, format!("{raw_path}/"));
                r
            }
            Lookup::Missing => {
                let key = key.unwrap_or_else(|| lossy_key(raw_path));
                self.missing(&key, ids)
            }
        }
    }

    /// Resolves a validated key (see [`object_key`]) to a file in the root.
    async fn lookup(&self, key: &str) -> Lookup {
        let mut path = self.root.clone();
        path.extend(key.split('/').filter(|segment| !segment.is_empty()));
        if key.is_empty() || key.ends_with('/') {
            return match &self.index_document {
                Some(index) => self.file_in_root(path.join(index)).await,
                None => Lookup::Missing,
            };
        }
        match self.file_in_root(path.clone()).await {
            Lookup::Missing => match &self.index_document {
                Some(index) => match self.file_in_root(path.join(index)).await {
                    Lookup::Found(_) => Lookup::Directory,
                    _ => Lookup::Missing,
                },
                None => Lookup::Missing,
            },
            found => found,
        }
    }

    /// `named` as a regular file whose canonical path (symlinks resolved) is
    /// inside the root, or `Missing`.
    async fn file_in_root(&self, named: PathBuf) -> Lookup {
        let Ok(canonical) = tokio::fs::canonicalize(&named).await else {
            return Lookup::Missing;
        };
        if !canonical.starts_with(&self.root) {
            return Lookup::Missing;
        }
        match tokio::fs::metadata(&canonical).await {
            Ok(metadata) if metadata.is_file() => Lookup::Found(Object {
                named,
                canonical,
                len: metadata.len(),
                modified: metadata.modified().unwrap_or(UNIX_EPOCH),
            }),
            _ => Lookup::Missing,
        }
    }

    /// The answer for a key with no object: 404 if listing is allowed,
    /// else 403, as S3 does.
    fn missing(&self, key: &str, ids: &RequestIds) -> Response<OriginBody> {
        if self.list_bucket {
            s3_error(
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.",
                &[("Key", key)],
                ids,
            )
        } else {
            s3_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Access Denied",
                &[],
                ids,
            )
        }
    }
}

/// The object key for a request path: the path without its leading `/`,
/// percent-decoded. `None` (treated as a missing key) if it is not UTF-8,
/// contains NUL, or has a `.`/`..` or empty segment before the last one,
/// checked after decoding so `%2e%2e` and `%2f..` cannot climb out.
fn object_key(raw_path: &str) -> Option<String> {
    let key = percent_decode_str(raw_path.strip_prefix('/')?)
        .decode_utf8()
        .ok()?;
    let mut segments = key.split('/').peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        if segment == "." || segment == ".." || (segment.is_empty() && !last) {
            return None;
        }
    }
    (!key.contains('\0')).then(|| key.into_owned())
}

/// A best-effort key for the `NoSuchKey` error of a rejected path.
fn lossy_key(raw_path: &str) -> String {
    let path = raw_path.strip_prefix('/').unwrap_or(raw_path);
    percent_decode_str(path).decode_utf8_lossy().into_owned()
}

/// Answers GET/HEAD for an object: validators, conditionals, ranges.
async fn serve_object(
    object: &Object,
    headers: &HeaderMap,
    head: bool,
    ids: &RequestIds,
) -> Response<OriginBody> {
    let len = object.len;
    let mtime = clamp_mtime(object.modified);
    let etag = make_etag(len, mtime);
    let last_modified = HttpDate::from(mtime);

    match evaluate_preconditions(headers, &etag, last_modified) {
        Precondition::Proceed => {}
        Precondition::NotModified => {
            let mut r = Response::new(OriginBody::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            set(r.headers_mut(), header::ETAG, etag);
            set(
                r.headers_mut(),
                header::LAST_MODIFIED,
                last_modified.to_string(),
            );
            return r;
        }
        Precondition::Failed(condition) => {
            return s3_error(
                StatusCode::PRECONDITION_FAILED,
                "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold",
                &[("Condition", condition)],
                ids,
            );
        }
    }

    let (status, start, count) = match parse_range(headers, len) {
        RangeOutcome::Full => (StatusCode::OK, 0, len),
        RangeOutcome::Partial { start, end } => {
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
        RangeOutcome::Unsatisfiable => {
            let requested = headers
                .get(header::RANGE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default();
            let mut r = s3_error(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "InvalidRange",
                "The requested range is not satisfiable",
                &[
                    ("RangeRequested", &requested),
                    ("ActualObjectSize", &len.to_string()),
                ],
                ids,
            );
            set(
                r.headers_mut(),
                header::CONTENT_RANGE,
                format!("bytes */{len}"),
            );
            return r;
        }
    };

    let body = if head {
        OriginBody::empty()
    } else {
        match open_at(&object.canonical, start).await {
            Ok(file) => OriginBody::file(file, count),
            Err(e) => {
                let path = object.canonical.display();
                tracing::warn!(%path, error = %e, "S3 directory origin: cannot read file");
                return s3_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalError",
                    "We encountered an internal error. Please try again.",
                    &[],
                    ids,
                );
            }
        }
    };
    let mut r = Response::new(body);
    *r.status_mut() = status;
    let h = r.headers_mut();
    set(h, header::CONTENT_TYPE, content_type(&object.named));
    set(h, header::CONTENT_LENGTH, count);
    set(h, header::ETAG, etag);
    set(h, header::LAST_MODIFIED, last_modified.to_string());
    set(h, header::ACCEPT_RANGES, "bytes");
    if status == StatusCode::PARTIAL_CONTENT {
        let end = start + count - 1;
        set(
            h,
            header::CONTENT_RANGE,
            format!("bytes {start}-{end}/{len}"),
        );
    }
    r
}

/// Opens `path` positioned at byte `start`.
async fn open_at(path: &Path, start: u64) -> io::Result<tokio::fs::File> {
    let mut file = tokio::fs::File::open(path).await?;
    if start > 0 {
        file.seek(SeekFrom::Start(start)).await?;
    }
    Ok(file)
}

/// Content type from the file extension.
///
/// S3 returns whatever Content-Type the object was uploaded with, and upload
/// tools guess it from the extension as here. We add `charset=utf-8` to the
/// common text types so browsers don't have to guess the encoding of local
/// files; other types are served as guessed.
fn content_type(path: &Path) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    match mime.essence_str() {
        "text/html" | "text/css" | "text/plain" | "text/javascript" | "application/javascript" => {
            format!("{mime}; charset=utf-8")
        }
        _ => mime.to_string(),
    }
}

/// Sets a header. Every value set here is built from numbers, validators,
/// dates or an already-parsed request path, so conversion cannot fail; an
/// invalid value would be dropped rather than panic.
fn set<K, V>(headers: &mut HeaderMap, name: K, value: V)
where
    K: http::header::IntoHeaderName,
    V: TryInto<HeaderValue>,
{
    if let Ok(value) = value.try_into() {
        headers.insert(name, value);
    }
}

#[cfg(test)]
mod tests;

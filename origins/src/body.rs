//! The response body shared by every in-process origin.
//!
//! Small bodies (XML errors, echo JSON) are held in memory; object bodies
//! stream from the open file in chunks, so serving a large file from an S3
//! directory never loads it whole into memory.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Bytes, BytesMut};
use hyper::body::{Body, Frame, SizeHint};
use tokio::fs::File;
use tokio::io::{AsyncRead, ReadBuf};

/// Largest chunk read from a file per frame.
const CHUNK: u64 = 64 * 1024;

/// Response body of an in-process origin: in-memory bytes or a streamed
/// slice of a file.
#[derive(Debug)]
pub struct OriginBody(Inner);

#[derive(Debug)]
enum Inner {
    /// In-memory bytes, taken on the first poll.
    Bytes(Option<Bytes>),
    /// `remaining` bytes still to read from `file`'s current position.
    File { file: File, remaining: u64 },
}

impl OriginBody {
    /// A body with no bytes (304s, HEAD responses, redirects).
    pub fn empty() -> Self {
        Self(Inner::Bytes(None))
    }

    /// Streams `len` bytes from `file`, starting at its current position.
    /// The stream fails with `UnexpectedEof` if the file is shorter.
    pub fn file(file: File, len: u64) -> Self {
        Self(Inner::File {
            file,
            remaining: len,
        })
    }
}

impl From<Bytes> for OriginBody {
    fn from(bytes: Bytes) -> Self {
        Self(Inner::Bytes((!bytes.is_empty()).then_some(bytes)))
    }
}

impl From<String> for OriginBody {
    fn from(s: String) -> Self {
        Bytes::from(s).into()
    }
}

impl Body for OriginBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match &mut self.get_mut().0 {
            Inner::Bytes(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Inner::File { remaining: 0, .. } => Poll::Ready(None),
            Inner::File { file, remaining } => {
                // `min` keeps the value <= CHUNK, so it fits in usize.
                let mut buf = BytesMut::zeroed((*remaining).min(CHUNK) as usize);
                let mut read_buf = ReadBuf::new(&mut buf);
                ready!(Pin::new(file).poll_read(cx, &mut read_buf))?;
                let n = read_buf.filled().len();
                if n == 0 {
                    return Poll::Ready(Some(Err(io::ErrorKind::UnexpectedEof.into())));
                }
                *remaining -= n as u64;
                buf.truncate(n);
                Poll::Ready(Some(Ok(Frame::data(buf.freeze()))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Inner::Bytes(bytes) => bytes.is_none(),
            Inner::File { remaining, .. } => *remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Inner::Bytes(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Inner::File { remaining, .. } => SizeHint::with_exact(*remaining),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::io::Write;

    #[tokio::test]
    async fn streams_file_slice_in_chunks() {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        tmp.write_all(&data).unwrap();
        let mut file = File::open(tmp.path()).await.unwrap();
        tokio::io::AsyncSeekExt::seek(&mut file, io::SeekFrom::Start(10))
            .await
            .unwrap();
        let body = OriginBody::file(file, 150_000);
        assert_eq!(body.size_hint().exact(), Some(150_000));
        let got = body.collect().await.unwrap().to_bytes();
        assert_eq!(&got[..], &data[10..150_010]);
    }

    #[tokio::test]
    async fn short_file_is_an_error() {
        let tmp = tempfile::NamedTempFile::new().unwrap();
        let file = File::open(tmp.path()).await.unwrap();
        assert!(OriginBody::file(file, 5).collect().await.is_err());
    }

    #[tokio::test]
    async fn bytes_and_empty() {
        let body = OriginBody::from("hi".to_string());
        assert_eq!(body.size_hint().exact(), Some(2));
        assert_eq!(&body.collect().await.unwrap().to_bytes()[..], b"hi");
        assert!(OriginBody::empty().is_end_stream());
    }
}

//! A handler's logs: what it writes to stdout and stderr, collected per invocation as
//! CloudWatch would show them (one entry per line), capped so a chatty guest cannot grow the
//! host's memory.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// Bytes of log kept per invocation; the rest is dropped with a marker line.
const MAX_LOG_BYTES: usize = 256 * 1024;

/// Where an instance's stdout and stderr go. Clones share the buffer.
#[derive(Clone, Default)]
pub(crate) struct LogSink(Arc<Mutex<Buffer>>);

#[derive(Default)]
struct Buffer {
    bytes: Vec<u8>,
    truncated: bool,
}

impl LogSink {
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        // A buffer of bytes has no invariant a panic could break.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn append(&self, bytes: &[u8]) {
        let mut b = self.lock();
        let room = MAX_LOG_BYTES.saturating_sub(b.bytes.len());
        if bytes.len() > room {
            b.truncated = true;
        }
        b.bytes.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// The lines written since the last call, emptying the buffer.
    pub(crate) fn take_lines(&self) -> Vec<String> {
        let mut b = self.lock();
        let bytes = std::mem::take(&mut b.bytes);
        let truncated = std::mem::take(&mut b.truncated);
        drop(b);
        let text = String::from_utf8_lossy(&bytes);
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        if truncated {
            lines.push(format!(
                "[localfront: logs truncated at {MAX_LOG_BYTES} bytes]"
            ));
        }
        lines
    }
}

impl IsTerminal for LogSink {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogSink {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for LogSink {
    async fn ready(&mut self) {}
}

impl OutputStream for LogSink {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.append(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Always writable: past the cap, bytes are dropped rather than blocking the guest.
        Ok(64 * 1024)
    }
}

impl tokio::io::AsyncWrite for LogSink {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.append(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

// localfront patch (vendor/README.md): limits on HTTP/1.x downstream connections that pingora 0.9
// does not offer — a total deadline for a request header (pingora only times single reads, so a
// client sending one byte at a time holds a connection forever), and a cap on open connections.

//! Downstream connection limits: the request-header deadline and the connection cap.

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Limits applied to HTTP/1.x downstream connections (HTTP/2 streams are not affected).
#[derive(Debug, Clone, Default)]
pub struct DownstreamLimits {
    /// The whole request header must arrive within this time, or the viewer gets `408` and the
    /// connection is closed. On a new connection the time counts from the accept; on a keep-alive
    /// connection it counts once the keep-alive idle time (the session's keepalive timeout) has
    /// been allowed for. `None`: no deadline (pingora's per-read timeouts only).
    pub header_timeout: Option<Duration>,
    /// At most this many HTTP/1.x connections are open at once; a new connection over the cap is
    /// closed before anything is read from it. `None`: no cap.
    pub max_connections: Option<Arc<Semaphore>>,
}

impl DownstreamLimits {
    /// A cap of `n` open connections.
    pub fn connection_cap(n: usize) -> Arc<Semaphore> {
        Arc::new(Semaphore::new(n))
    }

    /// A slot for a new connection: `Ok(None)` when there is no cap, `Err(())` when it is full.
    pub(crate) fn admit(&self) -> Result<Option<OwnedSemaphorePermit>, ()> {
        match &self.max_connections {
            None => Ok(None),
            Some(cap) => cap.clone().try_acquire_owned().map(Some).map_err(|_| ()),
        }
    }

    /// How long to wait for the request header on a session.
    pub(crate) fn header_deadline(&self, reused: bool, keepalive_secs: Option<u64>) -> Option<Duration> {
        let header = self.header_timeout?;
        Some(if reused {
            header + Duration::from_secs(keepalive_secs.unwrap_or(0))
        } else {
            header
        })
    }
}

/// What a kept-alive HTTP/1.x connection carries from one request to the next: its slot under the
/// connection cap (released when the connection closes) and the user's own connection context.
pub(crate) struct DownstreamConnection {
    pub(crate) slot: Option<OwnedSemaphorePermit>,
    pub(crate) user: Option<Box<dyn Any + Send + Sync>>,
}

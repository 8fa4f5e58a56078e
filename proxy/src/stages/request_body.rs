//! IncludeBody (spec/lambda-edge.md §2): the viewer's request body read before the origin is
//! contacted, shown to Lambda@Edge request events, and a body a handler sets with
//! `action: replace` sent to the origin instead.
//!
//! What was read is handed to pingora (`Session::request_body_read_ahead`, a localfront patch) so
//! that it goes to the origin first on every attempt; the rest of the viewer's body follows as it
//! arrives. A replacement body takes the read-ahead's place and the rest of the viewer's body is
//! dropped.

use base64::Engine;
use bytes::{Bytes, BytesMut};
use localfront_events::lambda_edge::{
    self as le, body_input_limit, BodyAction, BodyEncoding, EventType,
};
use pingora::http::RequestHeader;
use pingora::proxy::Session;
use pingora::Result;

/// The viewer's body as far as events needed it, and what replaces it.
#[derive(Debug, Default)]
pub struct RequestBody {
    /// What was read of the viewer's body so far.
    read: BytesMut,
    /// The viewer's body ended within `read`.
    complete: bool,
    /// The body a handler set with `action: replace`.
    replacement: Option<Bytes>,
    /// Calls of `forward` since the current origin attempt began.
    forwarded_chunks: usize,
}

impl RequestBody {
    /// Reads the viewer's body until more than `limit` bytes (or all of it) are at hand, so that
    /// an event can show `limit` bytes and tell whether it was cut. A replaced body is not read
    /// further: the events after the replacement see the replacement.
    pub async fn read(&mut self, session: &mut Session, limit: usize) -> Result<()> {
        if self.complete || self.replacement.is_some() || self.read.len() > limit {
            return Ok(());
        }
        if session.is_body_empty() || session.is_body_done() {
            self.complete = true;
            return Ok(());
        }
        while self.read.len() <= limit {
            match session.read_request_body().await? {
                Some(chunk) => self.read.extend_from_slice(&chunk),
                None => {
                    self.complete = true;
                    break;
                }
            }
        }
        self.complete |= session.is_body_done();
        Ok(())
    }

    /// `request.body` for an event of `event_type`: at most its input limit (40 KB on viewer
    /// events, 1 MB on origin events), base64, `read-only` until the handler says otherwise.
    pub fn event_body(&self, event_type: EventType) -> le::RequestBody {
        let limit = body_input_limit(event_type);
        let whole = self.replacement.as_deref().unwrap_or(&self.read);
        let complete = self.complete || self.replacement.is_some();
        let cut = whole.len().min(limit);
        le::RequestBody {
            input_truncated: !complete || whole.len() > limit,
            action: BodyAction::ReadOnly,
            encoding: BodyEncoding::Base64,
            data: base64::engine::general_purpose::STANDARD.encode(&whole[..cut]),
        }
    }

    /// Applies a handler's returned `request.body`: with `action: replace` its data becomes the
    /// body the origin receives; `read-only` (the default) leaves the body alone.
    pub fn apply(&mut self, body: Option<&le::RequestBody>) -> std::result::Result<(), String> {
        let Some(body) = body.filter(|b| b.action == BodyAction::Replace) else {
            return Ok(());
        };
        let bytes = match body.encoding {
            BodyEncoding::Base64 => base64::engine::general_purpose::STANDARD
                .decode(&body.data)
                .map_err(|e| format!("request.body.data is not valid base64: {e}"))?,
            BodyEncoding::Text => body.data.clone().into_bytes(),
        };
        self.replacement = Some(Bytes::from(bytes));
        Ok(())
    }

    /// Whether the origin can be tried again with the whole body: a retry resends the
    /// read-ahead, which is the whole body only when it was read to its end (or replaced);
    /// without a read-ahead, pingora's retry buffer decides.
    pub fn replayable(&self, retry_buffer_truncated: bool) -> bool {
        if self.replacement.is_some() || (self.complete && !self.read.is_empty()) {
            true
        } else if !self.read.is_empty() {
            false
        } else {
            !retry_buffer_truncated
        }
    }

    /// Before an origin attempt: hands what goes first to pingora.
    pub fn start_attempt(&mut self, session: &mut Session) {
        self.forwarded_chunks = 0;
        session.request_body_read_ahead = match &self.replacement {
            Some(body) => Some(body.clone()),
            None if !self.read.is_empty() => Some(self.read.clone().freeze()),
            None => None,
        };
    }

    /// The request toward the origin: a replacement's length replaces the viewer's framing.
    pub fn rewrite_request(&self, req: &mut RequestHeader) -> Result<()> {
        if let Some(body) = &self.replacement {
            req.remove_header(&http::header::TRANSFER_ENCODING);
            req.insert_header(http::header::CONTENT_LENGTH, body.len().to_string())?;
        }
        Ok(())
    }

    /// Each chunk on its way to the origin: after a replacement (the first chunk of an attempt),
    /// what the viewer still sends is dropped.
    pub fn forward(&mut self, body: &mut Option<Bytes>) {
        self.forwarded_chunks += 1;
        if self.replacement.is_some() && self.forwarded_chunks > 1 {
            // Empty, not `None`: `None` would end the body toward the origin early.
            *body = Some(Bytes::new());
        }
    }
}

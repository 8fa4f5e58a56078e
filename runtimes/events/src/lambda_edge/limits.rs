//! Lambda@Edge's size limits (spec/lambda-edge.md §2, §6). "KB" and "MB" are taken as 1024 and
//! 1024² bytes; the base64 limits are AWS's 53.2 KB and 1.33 MB, i.e. the text limits × 4/3.

use super::event::{BodyEncoding, EventType};

const KB: usize = 1024;
const MB: usize = 1024 * 1024;

/// Where CloudFront cuts an IncludeBody input and sets `inputTruncated`: 40 KB on viewer
/// events, 1 MB on origin events.
pub fn body_input_limit(event_type: EventType) -> usize {
    if event_type.is_viewer() {
        40 * KB
    } else {
        MB
    }
}

/// The largest generated response, headers plus body: 40 KB on viewer events, 1 MB on origin
/// events.
pub fn generated_response_limit(event_type: EventType) -> usize {
    body_input_limit(event_type)
}

/// The largest replacement body (`action: replace`) in `encoding`: text 40 KB / 1 MB, base64
/// 53.2 KB / 1.33 MB.
pub fn replaced_body_limit(event_type: EventType, encoding: BodyEncoding) -> usize {
    let text = body_input_limit(event_type);
    match encoding {
        BodyEncoding::Text => text,
        // 53.2 KB = 54,476 bytes; 1.33 MB = 1,394,606 bytes.
        BodyEncoding::Base64 => text * 133 / 100,
    }
}

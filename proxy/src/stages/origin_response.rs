//! Origin response: failover on the group's statuses, and the origin response headers CloudFront
//! changes before the cache (spec/distribution.md §1 step 9, §4, §8). The origin-response
//! Lambda@Edge hook runs here, for every status.

use pingora::http::ResponseHeader;
use pingora::{Error, ErrorType, Result};

use super::origin_request::fail_over;
use crate::context::{RequestContext, XCache};

/// Filters the origin's response header. Returns an error to retry on the secondary when the
/// status is one the origin group fails over on.
pub fn filter(resp: &mut ResponseHeader, ctx: &mut RequestContext, method: &str) -> Result<()> {
    let status = resp.status.as_u16();
    if let (Some(g), Some(d)) = (ctx.origin.group, ctx.distribution()) {
        let codes = &d.origin_groups[g].failover_status_codes;
        if codes.contains(&status) && fail_over(ctx, method) {
            ctx.failing_over = true;
            let mut e = Error::explain(
                ErrorType::HTTPStatus(status),
                "origin group primary answered with a failover status",
            );
            e.set_retry(true);
            return Err(e);
        }
    }
    // `Trailer` and `Upgrade` never reach the viewer, nor does `Set-Cookie` while cookies are not
    // forwarded (no policy forwards them until origin request policies exist).
    resp.remove_header("trailer");
    resp.remove_header("upgrade");
    resp.remove_header("set-cookie");
    ctx.x_cache = if status >= 400 {
        XCache::Error
    } else {
        XCache::Miss
    };
    Ok(())
}

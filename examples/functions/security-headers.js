// viewer-response, cloudfront-js-2.0: add security headers to every response, keep the origin's
// own Content-Security-Policy if it sent one, and drop the X-Powered-By header.
function handler(event) {
  const response = event.response;
  const headers = response.headers;
  headers['strict-transport-security'] = { value: 'max-age=63072000; includeSubDomains; preload' };
  headers['x-content-type-options'] = { value: 'nosniff' };
  headers['x-frame-options'] = { value: 'DENY' };
  headers['referrer-policy'] = { value: 'same-origin' };
  if (!headers['content-security-policy']) {
    headers['content-security-policy'] = { value: "default-src 'self'" };
  }
  delete headers['x-powered-by'];
  return response;
}

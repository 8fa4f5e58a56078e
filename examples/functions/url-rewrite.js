// viewer-request, cloudfront-js-2.0: serve index.html for directory-style URIs.
// /docs/guide -> /docs/guide/index.html, /docs/ -> /docs/index.html; files are left alone.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri += 'index.html';
  } else if (!uri.includes('.')) {
    request.uri += '/index.html';
  }
  return request;
}

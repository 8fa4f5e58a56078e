// viewer-request, cloudfront-js-2.0: redirect the bare domain to www, keeping path and query.
// Generates a 301 response (no cache lookup, no origin); other hosts continue.
function handler(event) {
  const request = event.request;
  const host = request.headers.host ? request.headers.host.value : '';
  if (host === 'example.org') {
    const query = request.rawQueryString();
    const location = `https://www.example.org${request.uri}${query ? '?' + query : ''}`;
    return {
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: location }, 'cache-control': { value: 'max-age=3600' } },
    };
  }
  return request;
}

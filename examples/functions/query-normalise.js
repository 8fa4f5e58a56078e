// viewer-request, cloudfront-js-2.0: normalise the query string for a better cache hit ratio:
// drop tracking parameters (utm_*, fbclid), lowercase names, sort them, and keep every value of
// repeated names. Returns the query string in its string form.
const querystring = require('querystring');

function handler(event) {
  const request = event.request;
  const raw = request.rawQueryString();
  if (raw === undefined) {
    return request;
  }
  const parsed = querystring.parse(raw);
  const kept = {};
  Object.keys(parsed)
    .filter((name) => !name.startsWith('utm_') && name !== 'fbclid')
    .sort()
    .forEach((name) => {
      kept[name.toLowerCase()] = parsed[name];
    });
  request.querystring = querystring.stringify(kept);
  return request;
}

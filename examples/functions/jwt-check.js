// viewer-request, cloudfront-js-2.0: check an HS256 JWT from the `token` cookie with crypto HMAC.
// A missing, malformed, badly signed or expired token gets 401; a valid one passes, with the
// subject forwarded to the origin in `x-user`. `Date` is the start time of the run.
const crypto = require('crypto');
const SECRET = 'localfront-example-secret';

function deny(reason) {
  console.log('denied: ' + reason);
  return { statusCode: 401, statusDescription: 'Unauthorized', headers: { 'www-authenticate': { value: 'Bearer' } } };
}

function handler(event) {
  const request = event.request;
  const token = request.cookies.token && request.cookies.token.value;
  if (!token) return deny('no token');
  const parts = token.split('.');
  if (parts.length !== 3) return deny('malformed');
  const expected = crypto.createHmac('sha256', SECRET).update(parts[0] + '.' + parts[1]).digest('base64url');
  if (expected !== parts[2]) return deny('bad signature');
  let claims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch (e) {
    return deny('bad payload');
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return deny('expired');
  request.headers['x-user'] = { value: String(claims.sub) };
  return request;
}

// viewer-request, cloudfront-js-2.0: A/B test. A viewer with an `ab` cookie keeps its group; a new
// viewer is assigned one from a hash of its IP (deterministic, so tests are too) and the cookie is
// set for the origin. Group B is served from /b/.
const crypto = require('crypto');

function handler(event) {
  const request = event.request;
  let group = request.cookies.ab && request.cookies.ab.value;
  if (group !== 'a' && group !== 'b') {
    const digest = crypto.createHash('md5').update(event.viewer.ip).digest();
    group = digest[0] % 2 === 0 ? 'a' : 'b';
    request.cookies.ab = { value: group };
  }
  if (group === 'b') {
    request.uri = '/b' + request.uri;
  }
  console.log(`ab group ${group} for ${event.viewer.ip}`);
  return request;
}

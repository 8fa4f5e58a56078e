// viewer-request, cloudfront-js-1.0: var only (no const/let), the njs byte-string helpers, and a
// digest without encoding, which is a byte string in 1.0. Adds a request fingerprint header.
var crypto = require('crypto');

function handler(event) {
  var request = event.request;
  var raw = crypto.createHash('sha1').update(request.uri).digest();
  var hex = '';
  for (var i = 0; i < 4; i++) {
    hex += ('0' + raw.charCodeAt(i).toString(16)).slice(-2);
  }
  request.headers['x-fingerprint'] = { value: hex + '-' + String.bytesFrom('6869', 'hex') };
  return request;
}

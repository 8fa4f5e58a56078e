// P3 (benches/run.py, benches/scripts/instructions.sh): the URL rewrite CloudFront's documentation
// starts with, on a path (/fn/*) that is then a cache hit of /cached/*.
function handler(event) {
  var request = event.request;
  request.uri = request.uri.replace(/^\/fn\//, '/cached/');
  return request;
}

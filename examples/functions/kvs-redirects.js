// viewer-request, cloudfront-js-2.0: redirects kept in a KeyValueStore. The store holds
// "/old-path" -> "/new-path" strings and a JSON "config" entry; a hit answers 302, a miss
// (get rejects with KeyNotFound) continues to the origin.
import cf from 'cloudfront';

const kvs = cf.kvs();

async function handler(event) {
  const request = event.request;
  const config = await kvs.get('config', { format: 'json' });
  if (config.enabled && (await kvs.exists(request.uri))) {
    const target = await kvs.get(request.uri);
    const meta = await kvs.meta();
    console.log(`redirect ${request.uri} -> ${target} (${meta.keyCount} keys)`);
    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: target } } };
  }
  try {
    await kvs.get('missing-key');
  } catch (e) {
    console.log('miss: ' + e.message);
  }
  return request;
}

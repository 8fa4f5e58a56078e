// viewer-request, cloudfront-js-2.0: choose the origin per request with the cloudfront module.
// /api/* goes to the origin "api" with a failover group to "api-backup"; ?beta=1 sends the
// request to a different host with a custom header and shorter timeouts. Logs where it runs.
import cf from 'cloudfront';

function handler(event) {
  const request = event.request;
  console.log('edge ' + cf.edgeLocation.name + ' ' + cf.edgeLocation.region);
  if (request.uri.startsWith('/api/')) {
    cf.selectRequestOriginById('api');
    cf.createRequestOriginGroup({
      originIds: [{ originId: 'api' }, { originId: 'api-backup' }],
      failoverCriteria: { statusCodes: [502, 503] },
    });
  } else if (request.querystring.beta && request.querystring.beta.value === '1') {
    cf.updateRequestOrigin({
      domainName: 'beta.internal.example',
      customHeaders: { 'x-beta': 'yes' },
      timeouts: { readTimeout: 10, connectionTimeout: 2 },
    });
  }
  return request;
}

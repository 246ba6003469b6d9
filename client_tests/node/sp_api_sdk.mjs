// @sp-api-sdk (bizon), unmodified: its LWA and SP-API hosts are fixed, and its clients call
// them through axios over Node's https, which uses https.globalAgent when given no agent.
// Replacing that agent sends both to the emulator, for the ESM packages and for the CommonJS
// ones with their own axios copy (@sp-api-sdk/tokens-api-2021-03-01) alike.
import https from 'node:https';
import zlib from 'node:zlib';

import {AuthorizationScope, SellingPartnerApiAuth} from '@sp-api-sdk/auth';
import {CatalogItemsApiClient} from '@sp-api-sdk/catalog-items-api-2022-04-01';
import {FeedsApiClient} from '@sp-api-sdk/feeds-api-2021-06-30';
import {NotificationsApiClient} from '@sp-api-sdk/notifications-api-v1';
import {OrdersApiClient} from '@sp-api-sdk/orders-api-v0';
import {ReportsApiClient} from '@sp-api-sdk/reports-api-2021-06-30';
import {TokensApiClient} from '@sp-api-sdk/tokens-api-2021-03-01';

import {EmulatorAgent, FINAL, US, env, run, tsvRows, until} from './harness.mjs';

https.globalAgent = new EmulatorAgent();

const region = 'na';
const sellerAuth = () => new SellingPartnerApiAuth({
  clientId: env.clientId, clientSecret: env.clientSecret, refreshToken: env.refreshToken,
});

// Documents have absolute http:// URLs on the emulator and need no auth; the SDK has no
// download helper, so fetch and gunzip as its README says.
async function download({url, compressionAlgorithm}) {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`download: ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  return (compressionAlgorithm === 'GZIP' ? zlib.gunzipSync(bytes) : bytes).toString('utf8');
}

await run({
  async token() {
    return {accessToken: await sellerAuth().getAccessToken()};
  },

  async orders({createdAfter, createdBefore, pageSize}) {
    const orders = new OrdersApiClient({auth: sellerAuth(), region});
    let {data} = await orders.getOrders({
      marketplaceIds: [US], createdAfter, createdBefore, maxResultsPerPage: pageSize,
    });
    const pages = [data.payload.Orders.map((o) => o.AmazonOrderId)];
    while (data.payload.NextToken) {
      ({data} = await orders.getOrders({marketplaceIds: [US], nextToken: data.payload.NextToken}));
      pages.push(data.payload.Orders.map((o) => o.AmazonOrderId));
    }
    return {pages};
  },

  async orderItems({orderId}) {
    const {data} = await new OrdersApiClient({auth: sellerAuth(), region}).getOrderItems({orderId});
    return {
      orderId: data.payload.AmazonOrderId,
      items: data.payload.OrderItems.map((i) => [i.OrderItemId, i.ASIN, i.QuantityOrdered]),
    };
  },

  async report({reportType}) {
    const reports = new ReportsApiClient({auth: sellerAuth(), region});
    const {data: created} = await reports.createReport({
      body: {reportType, marketplaceIds: [US]},
    });
    const report = await until(
      async () => (await reports.getReport({reportId: created.reportId})).data,
      (r) => FINAL.includes(r.processingStatus));
    const {data: document} = await reports.getReportDocument({
      reportDocumentId: report.reportDocumentId,
    });
    return {skus: tsvRows(await download(document)).map((row) => row['seller-sku'])};
  },

  async feed({document, contentType, feedType}) {
    const feeds = new FeedsApiClient({auth: sellerAuth(), region});
    const {data: input} = await feeds.createFeedDocument({body: {contentType}});
    // The SDK has no upload helper: PUT the bytes to the URL with the same content type.
    const uploaded = await fetch(input.url, {
      method: 'PUT', headers: {'Content-Type': contentType}, body: JSON.stringify(document),
    });
    if (uploaded.status !== 200) throw new Error(`upload: ${uploaded.status}`);
    const {data: {feedId}} = await feeds.createFeed({body: {
      feedType, marketplaceIds: [US], inputFeedDocumentId: input.feedDocumentId,
    }});
    const feed = await until(async () => (await feeds.getFeed({feedId})).data,
      (f) => FINAL.includes(f.processingStatus));
    const {data: result} = await feeds.getFeedDocument({
      feedDocumentId: feed.resultFeedDocumentId,
    });
    const report = JSON.parse(await download(result));
    return {feedId, processingStatus: feed.processingStatus, report};
  },

  async restrictedAddress({orderId}) {
    const auth = sellerAuth();
    const tokens = new TokensApiClient({auth, region});
    const {data} = await tokens.createRestrictedDataToken({body: {restrictedResources: [{
      method: 'GET', path: `/orders/v0/orders/${orderId}/address`,
      dataElements: ['shippingAddress'],
    }]}});
    const orders = new OrdersApiClient({
      auth, region, restrictedDataToken: data.restrictedDataToken,
    });
    return (await orders.getOrderAddress({orderId})).data.payload.ShippingAddress;
  },

  async burst({asin}) {
    const auth = sellerAuth();
    const impatient = new CatalogItemsApiClient({auth, region});
    let refused = null;
    for (let call = 0; call < 10 && !refused; call++) {
      try {
        await impatient.getCatalogItem({asin, marketplaceIds: [US]});
      } catch (error) {
        refused = {status: error.response?.status, code: error.response?.data?.errors?.[0]?.code};
      }
    }
    // rateLimiting.retry: axios-retry waits 1000/rate + 1500 ms after a 429 and tries again.
    const patient = new CatalogItemsApiClient({auth, region, rateLimiting: {retry: true}});
    const {data} = await patient.getCatalogItem({asin, marketplaceIds: [US]});
    return {refused, asin: data.asin};
  },

  async grantless({arn, name}) {
    const auth = new SellingPartnerApiAuth({
      clientId: env.clientId, clientSecret: env.clientSecret,
      scopes: [AuthorizationScope.NOTIFICATIONS],
    });
    const notifications = new NotificationsApiClient({auth, region});
    const {data: created} = await notifications.createDestination({
      body: {name, resourceSpecification: {sqs: {arn}}},
    });
    const {data: listed} = await notifications.getDestinations();
    return {created: created.payload, listed: listed.payload};
  },
});

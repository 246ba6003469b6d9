// npm amazon-sp-api, unmodified: its URLs are fixed, so its documented `https_proxy_agent`
// option carries LWA, SP-API, download() and upload() requests to the emulator.
import amazonSpApi from 'amazon-sp-api';

import {EmulatorAgent, FINAL, US, env, run, until} from './harness.mjs';

const {SellingPartner} = amazonSpApi;

function sellingPartner(options = {}) {
  return new SellingPartner({
    region: 'na',
    refresh_token: env.refreshToken,
    credentials: {
      SELLING_PARTNER_APP_CLIENT_ID: env.clientId,
      SELLING_PARTNER_APP_CLIENT_SECRET: env.clientSecret,
    },
    options: {https_proxy_agent: new EmulatorAgent(), ...options},
  });
}

const getCatalogItem = (sp, asin) => sp.callAPI({
  operation: 'catalogItems.getCatalogItem',
  path: {asin},
  query: {marketplaceIds: [US]},
  options: {version: '2022-04-01'},
});

await run({
  async token() {
    const sp = sellingPartner();
    await sp.refreshAccessToken();
    return {accessToken: sp.access_token};
  },

  async orders({createdAfter, createdBefore, pageSize}) {
    const sp = sellingPartner();
    let page = await sp.callAPI({
      operation: 'orders.getOrders',
      query: {MarketplaceIds: [US], CreatedAfter: createdAfter, CreatedBefore: createdBefore,
        MaxResultsPerPage: pageSize},
    });
    const pages = [page.Orders.map((o) => o.AmazonOrderId)];
    while (page.NextToken) {
      page = await sp.callAPI({
        operation: 'orders.getOrders',
        query: {MarketplaceIds: [US], NextToken: page.NextToken},
      });
      pages.push(page.Orders.map((o) => o.AmazonOrderId));
    }
    return {pages};
  },

  async orderItems({orderId}) {
    const items = await sellingPartner().callAPI({
      operation: 'orders.getOrderItems', path: {orderId},
    });
    return {
      orderId: items.AmazonOrderId,
      items: items.OrderItems.map((i) => [i.OrderItemId, i.ASIN, i.QuantityOrdered]),
    };
  },

  async report({reportType}) {
    // createReport, getReport until DONE (every 50 ms), getReportDocument, download, gunzip,
    // decode and TSV parsing: all the library's own downloadReport.
    const rows = await sellingPartner().downloadReport({
      body: {reportType, marketplaceIds: [US]},
      version: '2021-06-30',
      interval: 50,
      download: {json: true},
    });
    return {skus: rows.map((row) => row['seller-sku'])};
  },

  async feed({document, contentType, feedType}) {
    const sp = sellingPartner();
    const input = await sp.callAPI({operation: 'feeds.createFeedDocument', body: {contentType}});
    await sp.upload(input, {content: JSON.stringify(document), contentType});
    const {feedId} = await sp.callAPI({
      operation: 'feeds.createFeed',
      body: {feedType, marketplaceIds: [US], inputFeedDocumentId: input.feedDocumentId},
    });
    const feed = await until(() => sp.callAPI({operation: 'feeds.getFeed', path: {feedId}}),
      (f) => FINAL.includes(f.processingStatus));
    const result = await sp.callAPI({
      operation: 'feeds.getFeedDocument', path: {feedDocumentId: feed.resultFeedDocumentId},
    });
    // download() fetches without auth, gunzips (GZIP) and decodes by the document's charset.
    const report = JSON.parse(await sp.download(result));
    return {feedId, processingStatus: feed.processingStatus, report};
  },

  async restrictedAddress({orderId}) {
    const sp = sellingPartner();
    const {restrictedDataToken} = await sp.callAPI({
      operation: 'tokens.createRestrictedDataToken',
      body: {restrictedResources: [{
        method: 'GET', path: `/orders/v0/orders/${orderId}/address`,
        dataElements: ['shippingAddress'],
      }]},
    });
    const address = await sp.callAPI({
      operation: 'orders.getOrderAddress',
      path: {orderId},
      restricted_data_token: restrictedDataToken,
    });
    return address.ShippingAddress;
  },

  async burst({asin}) {
    const impatient = sellingPartner({auto_request_throttled: false});
    let refused = null;
    for (let call = 0; call < 10 && !refused; call++) {
      try {
        await getCatalogItem(impatient, asin);
      } catch (error) {
        refused = {code: error.code, message: error.message};
      }
    }
    // auto_request_throttled (on by default) waits the operation's restore time and retries.
    const item = await getCatalogItem(sellingPartner(), asin);
    return {refused, asin: item.asin};
  },

  async grantless({arn, name}) {
    const sp = new SellingPartner({
      region: 'na',
      credentials: {
        SELLING_PARTNER_APP_CLIENT_ID: env.clientId,
        SELLING_PARTNER_APP_CLIENT_SECRET: env.clientSecret,
      },
      options: {only_grantless_operations: true, https_proxy_agent: new EmulatorAgent()},
    });
    const created = await sp.callAPI({
      operation: 'notifications.createDestination',
      body: {name, resourceSpecification: {sqs: {arn}}},
    });
    const listed = await sp.callAPI({operation: 'notifications.getDestinations'});
    return {created, listed};
  },
});

const https = require('node:https');
const net = require('node:net');
const {SellingPartner} = require('amazon-sp-api');

const EMULATOR = new URL('http://127.0.0.1:8000');

// amazon-sp-api always calls https://api.amazon.com and https://sellingpartnerapi-*.amazon.com.
// Its https_proxy_agent option hands every request (LWA, SP-API, download, upload) to this
// agent, whose sockets are plain TCP to the emulator.
class EmulatorAgent extends https.Agent {
  createConnection() {
    return net.connect({host: EMULATOR.hostname, port: Number(EMULATOR.port)});
  }
}

const sp = new SellingPartner({
  region: 'na',
  refresh_token: 'Atzr|IwEBItrI4LsHP2HoG2FRbrSPdXNYlMIH0_sexwkc5X5Kc',
  credentials: {
    SELLING_PARTNER_APP_CLIENT_ID:
      'amzn1.application-oa2-client.12b716ced1db39a0f60499e12ccfa1c4',
    SELLING_PARTNER_APP_CLIENT_SECRET:
      'amzn1.oa2-cs.v1.ab2b8a22755c4913700a8b79bab67fcb6d8543777b26f3ef81ac840e4b874229',
  },
  options: {https_proxy_agent: new EmulatorAgent()},
});

sp.callAPI({
  operation: 'orders.getOrders',
  query: {MarketplaceIds: ['ATVPDKIKX0DER'], CreatedAfter: '2020-01-01T00:00:00Z'},
}).then((page) => console.log(page.Orders[0].AmazonOrderId));

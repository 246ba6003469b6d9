import https from 'node:https';
import net from 'node:net';
import {SellingPartnerApiAuth} from '@sp-api-sdk/auth';
import {OrdersApiClient} from '@sp-api-sdk/orders-api-v0';

const EMULATOR = new URL('http://127.0.0.1:8000');

// @sp-api-sdk calls the fixed Amazon hosts through axios, which uses Node's global HTTPS
// agent: replace it with one whose sockets are plain TCP to the emulator (LWA and SP-API).
class EmulatorAgent extends https.Agent {
  createConnection() {
    return net.connect({host: EMULATOR.hostname, port: Number(EMULATOR.port)});
  }
}
https.globalAgent = new EmulatorAgent();

const auth = new SellingPartnerApiAuth({
  clientId: 'amzn1.application-oa2-client.12b716ced1db39a0f60499e12ccfa1c4',
  clientSecret: 'amzn1.oa2-cs.v1.ab2b8a22755c4913700a8b79bab67fcb6d8543777b26f3ef81ac840e4b874229',
  refreshToken: 'Atzr|IwEBItrI4LsHP2HoG2FRbrSPdXNYlMIH0_sexwkc5X5Kc',
});
const orders = new OrdersApiClient({auth, region: 'na'});
const {data} = await orders.getOrders({
  marketplaceIds: ['ATVPDKIKX0DER'],
  createdAfter: '2020-01-01T00:00:00Z',
});
console.log(data.payload.Orders[0].AmazonOrderId);

from spapi import SPAPIClient, SPAPIConfig
from spapi.api.orders_v0.orders_v0_api import OrdersV0Api

EMULATOR = "http://127.0.0.1:8000"
CLIENT_ID = "amzn1.application-oa2-client.12b716ced1db39a0f60499e12ccfa1c4"
CLIENT_SECRET = "amzn1.oa2-cs.v1.ab2b8a22755c4913700a8b79bab67fcb6d8543777b26f3ef81ac840e4b874229"
REFRESH_TOKEN = "Atzr|IwEBItrI4LsHP2HoG2FRbrSPdXNYlMIH0_sexwkc5X5Kc"

config = SPAPIConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                     refresh_token=REFRESH_TOKEN, region="NA")
# Both URLs are constructor arguments; the client fetches its LWA token right here.
client = SPAPIClient(config, oauth_endpoint=f"{EMULATOR}/auth/o2/token", endpoint=EMULATOR)
orders = OrdersV0Api(client.api_client)
page = orders.get_orders(marketplace_ids=["ATVPDKIKX0DER"], created_after="2020-01-01T00:00:00Z")
print(page.payload.orders[0].amazon_order_id)

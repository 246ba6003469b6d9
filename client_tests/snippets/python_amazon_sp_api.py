from sp_api.api import Orders
from sp_api.auth import AccessTokenClient
from sp_api.base import Marketplaces

EMULATOR = "http://127.0.0.1:8000"
CLIENT_ID = "amzn1.application-oa2-client.12b716ced1db39a0f60499e12ccfa1c4"
CLIENT_SECRET = "amzn1.oa2-cs.v1.ab2b8a22755c4913700a8b79bab67fcb6d8543777b26f3ef81ac840e4b874229"
REFRESH_TOKEN = "Atzr|IwEBItrI4LsHP2HoG2FRbrSPdXNYlMIH0_sexwkc5X5Kc"


class EmulatorLWA(AccessTokenClient):
    # python-amazon-sp-api builds the LWA token URL from these three class attributes.
    scheme, host, path = "http://", "127.0.0.1:8000", "/auth/o2/token"


credentials = {"lwa_app_id": CLIENT_ID, "lwa_client_secret": CLIENT_SECRET,
               "refresh_token": REFRESH_TOKEN}
orders = Orders(marketplace=Marketplaces.US, credentials=credentials,
                auth_token_client_class=EmulatorLWA)
orders.endpoint = EMULATOR  # the SP-API base URL: set it on every API object you create
page = orders.get_orders(CreatedAfter="2020-01-01T00:00:00Z")
print(page.payload["Orders"][0]["AmazonOrderId"])

EMULATOR=http://127.0.0.1:8000
CLIENT_ID=amzn1.application-oa2-client.12b716ced1db39a0f60499e12ccfa1c4
CLIENT_SECRET=amzn1.oa2-cs.v1.ab2b8a22755c4913700a8b79bab67fcb6d8543777b26f3ef81ac840e4b874229
REFRESH_TOKEN='Atzr|IwEBItrI4LsHP2HoG2FRbrSPdXNYlMIH0_sexwkc5X5Kc'
TOKEN=$(curl -s "$EMULATOR/auth/o2/token" -d grant_type=refresh_token \
  -d "client_id=$CLIENT_ID" -d "client_secret=$CLIENT_SECRET" \
  --data-urlencode "refresh_token=$REFRESH_TOKEN" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
curl -s -H "x-amz-access-token: $TOKEN" \
  "$EMULATOR/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2020-01-01T00:00:00Z" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["payload"]["Orders"][0]["AmazonOrderId"])'

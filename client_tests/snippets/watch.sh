EMULATOR=http://127.0.0.1:8000
CLIENT_ID=amzn1.application-oa2-client.12b716ced1db39a0f60499e12ccfa1c4
CLIENT_SECRET=amzn1.oa2-cs.v1.ab2b8a22755c4913700a8b79bab67fcb6d8543777b26f3ef81ac840e4b874229
REFRESH_TOKEN='Atzr|IwEBItrI4LsHP2HoG2FRbrSPdXNYlMIH0_sexwkc5X5Kc'
field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
token() {  # an LWA access token: the seller's, or a grantless one with a scope
  curl -s "$EMULATOR/auth/o2/token" -d "client_id=$CLIENT_ID" -d "client_secret=$CLIENT_SECRET" \
    "$@" | field '["access_token"]'
}
SELLER=$(token -d grant_type=refresh_token --data-urlencode "refresh_token=$REFRESH_TOKEN")
GRANTLESS=$(token -d grant_type=client_credentials -d scope=sellingpartnerapi::notifications)
# 1. Subscribe an SQS queue to the seller's order changes.
DESTINATION=$(curl -s "$EMULATOR/notifications/v1/destinations" \
  -H "x-amz-access-token: $GRANTLESS" -H 'Content-Type: application/json' \
  -d '{"name": "orders", "resourceSpecification":
       {"sqs": {"arn": "arn:aws:sqs:us-east-1:123456789012:orders"}}}' \
  | field '["payload"]["destinationId"]')
curl -s -o /dev/null "$EMULATOR/notifications/v1/subscriptions/ORDER_CHANGE" \
  -H "x-amz-access-token: $SELLER" -H 'Content-Type: application/json' \
  -d "{\"payloadVersion\": \"1.0\", \"destinationId\": \"$DESTINATION\"}"
# 2. A day goes by: orders arrive, are paid, shipped, cancelled... in order.
SINCE=$(curl -s "$EMULATOR/_emulator/clock" | field '["now"]')
curl -s -o /dev/null -X POST "$EMULATOR/_emulator/clock/advance" \
  -H 'Content-Type: application/json' -d '{"days": 1}'
# 3. The orders that came or moved (a new token: the first one expired meanwhile)...
SELLER=$(token -d grant_type=refresh_token --data-urlencode "refresh_token=$REFRESH_TOKEN")
curl -s -H "x-amz-access-token: $SELLER" \
  "$EMULATOR/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=$SINCE" \
  | field '["payload"]["Orders"].__len__(), "orders changed"'
# ...and the ORDER_CHANGE notifications they sent to the queue.
curl -s "$EMULATOR/_emulator/notifications?type=ORDER_CHANGE&limit=1000" \
  | field '["notifications"].__len__(), "ORDER_CHANGE notifications"'

# test_orders.py: with spapi-emulator installed, pytest provides the spapi_* fixtures.
from sp_api.api import Orders


def test_orders_come_in_pages(spapi_python_sp_api):
    orders = spapi_python_sp_api(Orders)  # python-amazon-sp-api on the emulator, own seller
    page = orders.get_orders(CreatedAfter="2020-01-01T00:00:00Z", MaxResultsPerPage=5)
    assert len(page.payload["Orders"]) == 5
    assert page.next_token

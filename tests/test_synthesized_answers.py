"""Synthesized answers follow their request and the seller, over HTTP, for every operation the
emulator answers by synthesis (GET /_emulator/coverage): what the request names comes back in
fields of the same name, paired dates are ordered, dates sit near the business's day, money is
in the currency of the marketplace asked about (or the seller's), lists honour page sizes. A
property test (hypothesis) draws the operation, the seller, the optional parameters and the
marketplace; every answer is also checked against its model and says `synthesized`."""

from __future__ import annotations

import contextlib
import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.auth.stage import grantless_scope
from emulator.business.marketplaces import MARKETPLACES
from emulator.harness.embedded import Running
from emulator.models.request_facts import PAGE_SIZE_NAMES, base, parse_moment, words
from emulator.models.restricted import restriction
from emulator.models.sample_requests import valid_request
from emulator.models.schemas import validator_for
from emulator.models.spec import ModelSet, Operation
from emulator.models.synth import Synthesizer
from tests.conftest import TokenSource

DAY = 86400.0
SOURCE = "x-spapi-emulator-source"
# Paired fields, independently of the emulator's own list: (opening word, closing words).
PAIRS = (("start", ("end",)), ("earliest", ("latest",)), ("from", ("to",)),
         ("begin", ("end",)), ("created", ("last", "updated")))


@dataclass
class Sent:
    """What a request named: values by base name (as sent, and as JSON typed them)."""

    values: dict[str, set[str]] = field(default_factory=dict)
    dated: bool = False  # a date or an interval among them
    page_size: int | None = None

    def add(self, name: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                self.add(key, item)
            return
        if isinstance(value, list):
            for item in value:
                self.add(name, item)
            return
        text = json.dumps(value) if not isinstance(value, str) else value
        self.values.setdefault(base(name), set()).add(text)
        if parse_moment(text) is not None or "--" in text:
            self.dated = True
        if base(name) in PAGE_SIZE_NAMES and text.isdigit() and int(text) > 0:
            self.page_size = int(text)


def _typed(text: str) -> list[Any]:
    """A sent value as the answer's field might type it."""
    found: list[Any] = [text]
    with contextlib.suppress(ValueError):
        found.append(json.loads(text))
    return found


def _walk(synth: Synthesizer, value: Any, schema: dict[str, Any], name: str | None = None,
          in_list: bool = False) -> Iterator[tuple[str | None, Any, dict[str, Any], bool]]:
    """Every value of an answer with its field name, schema and whether it is in a list."""
    node = synth.resolve(schema)
    yield name, value, node, in_list
    if isinstance(value, dict):
        properties = node.get("properties", {})
        extra = node.get("additionalProperties")
        for key, item in value.items():
            child = properties.get(key) or (extra if isinstance(extra, dict) else {})
            yield from _walk(synth, item, child, key, in_list)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(synth, item, node.get("items", {}), name, True)


def _pairs(obj: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key in obj:
        found = words(key)
        for opening, closing in PAIRS:
            if opening in found:
                at = found.index(opening)
                wanted = (*found[:at], *closing, *found[at + 1:])
                for other in obj:
                    if words(other) == wanted:
                        yield key, other


@dataclass(repr=False)  # hypothesis prints the test's arguments: keep this one short
class Checker:
    server: Running
    models: ModelSet
    tokens: TokenSource
    checked: Counter[str] = field(default_factory=Counter)  # how often each rule applied
    _clients: dict[int, httpx.Client] = field(default_factory=dict)
    _synthesizers: dict[str, Synthesizer] = field(default_factory=dict)

    def client(self, seller: int) -> httpx.Client:
        """One client per seller, kept open (tokens outlive the module)."""
        if seller not in self._clients:
            app = self.server.app
            token = app.tokens.issue_access(app.accounts.apps[0], app.accounts.sellers[seller])
            self._clients[seller] = httpx.Client(base_url=self.server.base_url, timeout=60,
                                                 headers={"x-amz-access-token": token})
        return self._clients[seller]

    def synthesizer(self, operation: Operation) -> Synthesizer:
        name = operation.model.name
        if name not in self._synthesizers:
            self._synthesizers[name] = Synthesizer(operation.model)
        return self._synthesizers[name]

    def close(self) -> None:
        for http in self._clients.values():
            http.close()

    def check(self, operation: Operation, seller: int, seed: int, marketplace: str,
              optional: frozenset[str]) -> None:
        """Send one request and check every rule on its answer."""
        limit = restriction(operation)
        special = grantless_scope(operation) is not None or (
            limit is not None and limit.policy == "deny")
        if special:  # a grantless token or an RDT: TokenSource makes them for the first seller
            seller = 0
            marketplace = self.server.app.accounts.sellers[0].marketplace_ids[0]

        def adjust(name: str, value: Any) -> Any:
            if base(name) != "marketplaceid":
                return value
            return [marketplace] if isinstance(value, list) else marketplace

        request = valid_request(operation, seed, optional=lambda p: p["name"] in optional,
                                adjust=adjust)
        uid = operation.uid
        if special:
            request.headers["x-amz-access-token"] = self.tokens.for_request(operation,
                                                                            request.url)
        response = self.client(seller).request(**request.as_httpx())
        if not 200 <= response.status_code < 300:
            # A value the model allows but the operation's own rules refuse (the sample
            # marketplace replaced, an optional parameter combination): not synthesized.
            assert response.headers[SOURCE] != "synthesized" or response.status_code < 500
            return
        if response.headers[SOURCE] == "sandbox-case":
            return  # the request is one of Amazon's sample requests: its case answers it
        assert response.headers[SOURCE] == "synthesized", (uid, response.headers[SOURCE])
        schema = operation.responses[str(response.status_code)].get("schema")
        if schema is None or not response.content:
            return
        answer = response.json()
        errors = list(validator_for(operation.model, schema).iter_errors(answer))
        assert not errors, (uid, errors[0].message[:200], list(errors[0].absolute_path))
        sent = self._sent(operation, request.url, request.params, request.content)
        self._rules(operation, answer, schema, sent, seller, marketplace)

    def _sent(self, operation: Operation, url: str, params: list[tuple[str, str]],
              content: bytes | None) -> Sent:
        sent = Sent()
        template = operation.path.split("/")
        for segment, value in zip(template, url.split("/"), strict=False):
            if segment.startswith("{"):
                sent.add(segment[1:-1], unquote(value))
        for name, value in params:
            param = operation.param_by_name.get(name, {})
            if param.get("type") == "array":
                separator = "|" if param.get("collectionFormat") == "pipes" else ","
                sent.add(name, value.split(separator))
            else:
                sent.add(name, value)
        if content:
            sent.add("body", json.loads(content))
        return sent

    def _address(self, operation: Operation, value: dict[str, Any], node: dict[str, Any],
                 countries: set[str], names_a_country: bool) -> None:
        """An address (a city and a country code) is in the country of the marketplace."""
        keys = {base(key): key for key in value}
        country = keys.get("countrycode")
        if "city" not in keys or country is None or names_a_country:
            return
        schema = self.synthesizer(operation).resolve(
            node.get("properties", {}).get(country, {}))
        if any(validator_for(operation.model, schema).is_valid(c) for c in countries):
            assert value[country] in countries, (operation.uid, value, countries)
            self.checked["address"] += 1

    def _rules(self, operation: Operation, answer: Any, schema: dict[str, Any], sent: Sent,
               seller: int, marketplace: str) -> None:
        uid = operation.uid
        synth = self.synthesizer(operation)
        now = self.server.app.synthesis_hints.reference()
        # The marketplace asked about decides the currency and the addresses' country;
        # without one, the seller's marketplaces do.
        markets = [marketplace]
        if marketplace not in sent.values.get("marketplaceid", ()):
            markets = list(self.server.app.accounts.sellers[seller].marketplace_ids)
        currencies = {MARKETPLACES[m].currency for m in markets}
        countries = {MARKETPLACES[m].country for m in markets}
        names_a_country = bool({"countrycode", "country"} & set(sent.values))
        for name, value, node, in_list in _walk(synth, answer, schema):
            if isinstance(value, dict):
                self._address(operation, value, node, countries, names_a_country)
                for low, high in _pairs(value):
                    if base(low) in sent.values and base(high) in sent.values:
                        continue  # the request's own pair, echoed as it came
                    a, b = parse_moment(value[low]), parse_moment(value[high])
                    if a is not None and b is not None:
                        assert a <= b, (uid, low, value[low], high, value[high])
                        self.checked["pair"] += 1
                continue
            if isinstance(value, list):
                if sent.page_size is not None and not in_list and name is not None:
                    assert len(value) <= max(sent.page_size, node.get("minItems", 0)), (
                        uid, name, len(value), sent.page_size)
                    self.checked["page"] += 1
                continue
            if name is None:
                continue
            key = base(name)
            named = sent.values.get(key)
            if named is not None and "token" not in key and key != "interval":
                # Strict: `2025-01-12` is a date-time a request may send, not an answer.
                fitting = [v for text in named for v in _typed(text)
                           if validator_for(operation.model, node, strict=True).is_valid(v)]
                if fitting:
                    assert value in fitting, (uid, name, value, sorted(named))
                    self.checked["echo"] += 1
                continue
            if key in ("currency", "currencycode") and isinstance(value, str):
                admissible = [c for c in currencies
                              if validator_for(operation.model, node).is_valid(c)]
                if admissible:
                    assert value in currencies, (uid, name, value, currencies)
                    self.checked["currency"] += 1
            fmt = node.get("format")
            if fmt in ("date-time", "date") and isinstance(value, str) and not sent.dated:
                moment = parse_moment(value)
                assert moment is not None, (uid, name, value)
                assert abs(moment.timestamp() - now) <= 45 * DAY, (uid, name, value)
                self.checked["date"] += 1


@pytest.fixture(scope="module")
def synthesized(emulator: Running, models: ModelSet) -> list[str]:
    """The uids of the operations answered by synthesis today."""
    report = httpx.get(f"{emulator.base_url}/_emulator/coverage",
                       params={"answer": "synthesized"}).json()
    return [row["operation"] for row in report["operations"]]


@pytest.fixture(scope="module")
def checker(emulator: Running, models: ModelSet, tokens: TokenSource) -> Iterator[Checker]:
    found = Checker(emulator, models, tokens)
    yield found
    found.close()


def _seller_market(checker: Checker, seller: int, pick: random.Random) -> str:
    return pick.choice(checker.server.app.accounts.sellers[seller].marketplace_ids)


def test_every_synthesized_operation_follows_its_request(synthesized: list[str],
                                                         checker: Checker) -> None:
    assert len(synthesized) >= 150
    pick = random.Random(13)
    for operation in map(checker.models.operation, synthesized):
        seller = pick.choice((0, 1, 2))
        optional = frozenset(p["name"] for p in operation.parameters
                             if p["in"] == "query" and not p.get("required"))
        checker.check(operation, seller, 1, _seller_market(checker, seller, pick), optional)
    # Every rule had answers to apply to (none of these checks is vacuous).
    assert min(checker.checked[rule] for rule in (
        "echo", "pair", "date", "currency", "address", "page")) >= 5, checker.checked


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_property_synthesized_answers_follow_request_and_seller(
        data: st.DataObject, synthesized: list[str], checker: Checker) -> None:
    operation = checker.models.operation(data.draw(st.sampled_from(synthesized),
                                                   label="operation"))
    seller = data.draw(st.sampled_from((0, 1, 2)), label="seller")
    markets = checker.server.app.accounts.sellers[seller].marketplace_ids
    marketplace = data.draw(st.sampled_from(markets), label="marketplace")
    names = [p["name"] for p in operation.parameters
             if p["in"] in ("query", "body") and not p.get("required")]
    optional = frozenset(data.draw(st.lists(st.sampled_from(names), unique=True), label="opt")
                         if names else [])
    seed = data.draw(st.integers(0, 10_000), label="seed")
    checker.check(operation, seller, seed, marketplace, optional)


def test_a_week_at_day_granularity_is_seven_buckets_in_yen(emulator: Running,
                                                           checker: Checker) -> None:
    response = checker.client(2).get("/sales/v1/orderMetrics", params={  # Sakura Goods, JP
        "marketplaceIds": "A1VC38T7YXB528", "granularity": "Day",
        "granularityTimeZone": "Asia/Tokyo",
        "interval": "2026-03-02T00:00:00+09:00--2026-03-09T00:00:00+09:00"})
    assert response.status_code == 200 and response.headers[SOURCE] == "synthesized"
    buckets = response.json()["payload"]
    assert [b["interval"] for b in buckets] == [
        f"2026-03-{day:02d}T00:00+09:00--2026-03-{day + 1:02d}T00:00+09:00"
        for day in range(2, 9)]
    assert {b["totalSales"]["currencyCode"] for b in buckets} == {"JPY"}
    assert all("." not in b["totalSales"]["amount"] for b in buckets)  # yen have no cents


def test_same_request_same_answer(emulator: Running, checker: Checker) -> None:
    params = {"marketplaceIds": "ATVPDKIKX0DER", "granularity": "Week",
              "interval": "2026-01-01T00:00:00Z--2026-02-01T00:00:00Z"}
    first = checker.client(0).get("/sales/v1/orderMetrics", params=params)
    again = checker.client(0).get("/sales/v1/orderMetrics", params=params)
    assert first.status_code == 200 and first.content == again.content
    weeks = first.json()["payload"]
    assert weeks[0]["interval"].startswith("2025-12-29T00:00Z")  # Monday, the week's start
    assert len(weeks) == 5


def test_path_identifiers_come_back(synthesized: list[str], checker: Checker) -> None:
    """Every synthesized GET whose answer has a field named like one of its path parameters
    answers that field with the request's value (asked about MCF-1, it says MCF-1)."""
    echoed = 0
    for operation in map(checker.models.operation, synthesized):
        names = {p["name"] for p in operation.parameters_in("path")
                 if p.get("type") == "string" and not p.get("pattern")}
        if not names or operation.method != "GET":
            continue
        request = valid_request(operation, 2, adjust=partial(_mcf, names))
        response = checker.client(0).request(**request.as_httpx())
        if response.status_code != 200 or not response.content:
            continue
        bases = {base(name) for name in names}
        schema = operation.responses["200"]["schema"]
        for name, value, _, _ in _walk(checker.synthesizer(operation), response.json(), schema):
            if name is not None and base(name) in bases and isinstance(value, str):
                assert value == "MCF-1", (operation.uid, name, value)
                echoed += 1
    assert echoed >= 20


def _mcf(names: set[str], name: str, value: Any) -> Any:
    return "MCF-1" if name in names else value


def test_dates_are_near_the_business_day(emulator: Running) -> None:
    reference = datetime.fromtimestamp(emulator.app.synthesis_hints.reference(), UTC)
    assert reference.hour == reference.minute == 0  # the start of the business's day
    assert abs(reference.timestamp() - emulator.app.clock.now()) <= DAY + 1

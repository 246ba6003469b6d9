"""Tests for emulator.models.synth: every synthesized value must validate against Amazon's models.

The model-wide tests read the models from SPAPI_MODELS_DIR (default /work/shared/spapi-models)
and are skipped when it is absent; the unit tests use small in-memory models.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.models import spec
from emulator.models.schemas import format_checker, validator_for
from emulator.models.synth import Synthesizer

MODELS_DIR = Path(os.environ.get("SPAPI_MODELS_DIR", "/work/shared/spapi-models"))
SEEDS = (0, 1, 2)
# Keys of a Swagger 2.0 parameter that are not part of the schema of its value.
PARAMETER_ONLY_KEYS = {"name", "in", "required", "description", "collectionFormat"}

# Schemas that no value can satisfy because the model contradicts itself, as
# "<operation uid> <response code or parameter name>" -> why. Currently none: every response,
# body and parameter schema of every model is satisfiable. Add an entry only with the reason.
KNOWN_UNSATISFIABLE: dict[str, str] = {}

AMAZON_ORDER_ID = re.compile(r"\d{3}-\d{7}-\d{7}")
ISO_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
CITY = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+)*")


@pytest.fixture(scope="module")
def model_set() -> spec.ModelSet:
    if not (MODELS_DIR / "models").is_dir():
        pytest.skip(f"SP-API models not found under {MODELS_DIR} (set SPAPI_MODELS_DIR)")
    return spec.load(MODELS_DIR)


def _problems(model: spec.ApiModel, schema: dict[str, Any], value: Any) -> list[str]:
    errors = validator_for(model, schema).iter_errors(value)
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors]


def _parameter_schema(param: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in param.items() if k not in PARAMETER_ONLY_KEYS}


def _response_schemas(model_set: spec.ModelSet) -> Iterator[tuple[str, spec.ApiModel, dict]]:
    for op in model_set.operations:
        for code, response in op.responses.items():
            if "schema" in response:
                yield f"{op.uid} {code}", op.model, response["schema"]


def _get_orders(model_set: spec.ModelSet) -> tuple[spec.ApiModel, dict[str, Any]]:
    op = model_set.find("ordersV0", "getOrders")[0]
    return op.model, op.responses["200"]["schema"]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


# --------------------------------------------------------------------------------------------
# Whole models
# --------------------------------------------------------------------------------------------


def test_every_response_schema_synthesizes_valid_values(model_set: spec.ModelSet) -> None:
    synths = {name: Synthesizer(model) for name, model in model_set.models.items()}
    failures: list[str] = []
    checked: set[tuple[str, str]] = set()
    responses = 0
    for label, model, schema in _response_schemas(model_set):
        responses += 1
        if label in KNOWN_UNSATISFIABLE:
            continue
        # Many responses share one schema (every error code of an operation, often); equal
        # schemas give equal values for equal seeds, so each distinct one is checked once.
        key = (model.name, _canonical(schema))
        if key in checked:
            continue
        checked.add(key)
        for seed in SEEDS:
            value = synths[model.name].value(schema, random.Random(seed))
            failures += [f"{label} seed={seed} {p}" for p in _problems(model, schema, value)]
    assert responses > 2000, responses  # sanity: every model's responses were visited
    assert not failures, f"{len(failures)} invalid values, first ones:\n" + "\n".join(failures[:20])


def test_every_parameter_synthesizes_valid_values(model_set: spec.ModelSet) -> None:
    failures: list[str] = []
    count = 0
    for model in model_set.models.values():
        synth = Synthesizer(model)
        for op in model.operations:
            for param in op.parameters:
                label = f"{op.uid} {param['name']}"
                if label in KNOWN_UNSATISFIABLE:
                    continue
                count += 1
                for seed in SEEDS:
                    rnd = random.Random(seed)
                    if param["in"] == "body":
                        schema = param["schema"]
                        value = synth.value(schema, rnd, name=param["name"])
                    else:
                        schema = _parameter_schema(param)
                        value = synth.parameter(param, rnd)
                        failures += _python_type_problems(label, param, value)
                    failures += [
                        f"{label} seed={seed} {p}" for p in _problems(model, schema, value)
                    ]
    assert count > 1000, count
    assert not failures, f"{len(failures)} invalid values, first ones:\n" + "\n".join(failures[:20])


def _python_type_problems(label: str, param: dict[str, Any], value: Any) -> list[str]:
    expected: dict[str, type | tuple[type, ...]] = {
        "array": list,
        "integer": int,
        "number": (int, float),
        "boolean": bool,
        "string": str,
    }
    wanted = expected.get(param.get("type", "string"), object)
    wrong_bool = isinstance(value, bool) and param.get("type") in ("integer", "number")
    if not isinstance(value, wanted) or wrong_bool:
        return [f"{label}: {type(value).__name__} for a {param.get('type')} parameter"]
    return []


def test_every_model_pattern_is_satisfiable(model_set: spec.ModelSet) -> None:
    """Every (pattern, minLength, maxLength) in the models yields matching strings.

    Without a property name no heuristic applies, so this exercises the regex path itself.
    """
    combos: set[tuple[str, int | None, int | None]] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str) and node.get("type", "string") == "string":
                combos.add((node["pattern"], node.get("minLength"), node.get("maxLength")))
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for model in model_set.models.values():
        walk(model.document)
    assert combos, "the models declare patterns"
    synth = Synthesizer(next(iter(model_set.models.values())))
    unsatisfied: list[str] = []
    for pattern, low, high in sorted(combos, key=repr):
        schema: dict[str, Any] = {"type": "string", "pattern": pattern}
        if low is not None:
            schema["minLength"] = low
        if high is not None:
            schema["maxLength"] = high
        for seed in range(20):
            text = synth.value(schema, random.Random(seed))
            fits = low is None or len(text) >= low
            fits = fits and (high is None or len(text) <= high)
            if not (fits and re.search(pattern, text)):
                unsatisfied.append(f"{pattern!r} [{low}, {high}] -> {text!r}")
                break
    assert unsatisfied == []


# --------------------------------------------------------------------------------------------
# Determinism, realism, speed
# --------------------------------------------------------------------------------------------

DETERMINISM_CASES = (
    ("ordersV0", "getOrders", "200"),
    ("ordersV0", "getOrderAddress", "200"),
    ("catalogItems_2022-04-01", "getCatalogItem", "200"),
    ("financesV0", "listFinancialEvents", "400"),
    ("fulfillmentInbound_2024-03-20", "listInboundPlans", "200"),
)


@pytest.mark.parametrize(("model_name", "operation_id", "code"), DETERMINISM_CASES)
def test_same_seed_gives_identical_output(
    model_set: spec.ModelSet, model_name: str, operation_id: str, code: str
) -> None:
    op = model_set.find(model_name, operation_id)[0]
    schema = op.responses[code]["schema"]
    first = _canonical(Synthesizer(op.model).value(schema, random.Random(42)))
    # A fresh synthesizer and interleaved unrelated draws must not change anything.
    other = Synthesizer(op.model)
    other.value(schema, random.Random(7))
    assert _canonical(other.value(schema, random.Random(42))) == first


def test_same_seed_gives_identical_output_across_processes(model_set: spec.ModelSet) -> None:
    """Hash randomization (PYTHONHASHSEED) must not leak into values: compare two processes."""
    script = (
        "import json, random, sys\n"
        "from pathlib import Path\n"
        "from emulator.models import spec\n"
        "from emulator.models.synth import Synthesizer\n"
        "ms = spec.load(Path(sys.argv[1]))\n"
        "op = ms.find('ordersV0', 'getOrders')[0]\n"
        "value = Synthesizer(op.model).value(op.responses['200']['schema'], random.Random(42))\n"
        "print(json.dumps(value, sort_keys=True))\n"
    )
    root = Path(__file__).resolve().parent.parent
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(root)}
        done = subprocess.run(
            [sys.executable, "-c", script, str(MODELS_DIR)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            cwd=root,
        )
        outputs.append(done.stdout)
    model, schema = _get_orders(model_set)
    in_process = _canonical(Synthesizer(model).value(schema, random.Random(42)))
    assert outputs[0] == outputs[1] == in_process + "\n"


def test_different_seeds_give_different_output(model_set: spec.ModelSet) -> None:
    model, schema = _get_orders(model_set)
    synth = Synthesizer(model)
    values = {_canonical(synth.value(schema, random.Random(seed))) for seed in range(10)}
    assert len(values) == 10


def test_get_orders_answer_looks_real(model_set: spec.ModelSet) -> None:
    model, schema = _get_orders(model_set)
    synth = Synthesizer(model)
    for seed in range(5):
        answer = synth.value(schema, random.Random(seed))
        orders = answer["payload"]["Orders"]
        assert orders
        for order in orders:
            assert AMAZON_ORDER_ID.fullmatch(order["AmazonOrderId"]), order["AmazonOrderId"]
            for field in ("PurchaseDate", "LastUpdateDate", "EarliestShipDate"):
                assert ISO_UTC.fullmatch(order[field]), (field, order[field])
                datetime.fromisoformat(order[field])  # a real calendar date-time
            assert order["MarketplaceId"] in {"ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"}
            assert order["OrderTotal"]["CurrencyCode"] == "USD"
            assert re.fullmatch(r"\d+\.\d{2}", order["OrderTotal"]["Amount"])
            address = order["ShippingAddress"]
            assert CITY.fullmatch(address["City"]), address["City"]
            assert re.fullmatch(r"[A-Z]{2}", address["StateOrRegion"])
            assert re.fullmatch(r"[A-Z]{2}", address["CountryCode"])
            assert re.fullmatch(r"\d{5}(-\d{4})?", address["PostalCode"])
            assert "@" in order["BuyerInfo"]["BuyerEmail"]
            assert isinstance(order["NumberOfItemsShipped"], int)


def test_catalog_and_pricing_identifiers_look_real(model_set: spec.ModelSet) -> None:
    op = model_set.find("productPricingV0", "getItemOffers")[0]
    answer = Synthesizer(op.model).value(op.responses["200"]["schema"], random.Random(3))
    assert re.fullmatch(r"B0[A-Z0-9]{8}", answer["payload"]["ASIN"])
    assert answer["payload"]["marketplaceId"] in {
        "ATVPDKIKX0DER",
        "A1F83G8C2ARO7P",
        "A1PA6795UKMFR9",
    }


def test_validator_is_cached_per_schema(model_set: spec.ModelSet) -> None:
    model, schema = _get_orders(model_set)
    assert validator_for(model, schema) is validator_for(model, schema)
    assert not validator_for(model, schema).is_valid({"payload": {"Orders": "not a list"}})


# --------------------------------------------------------------------------------------------
# format_checker
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2020-05-25T13:00:00",
        "2023-03-07",
        "2024-01-01T00:00:00.000Z",
        "2024-01-01T00:00:00+02:00",
        "2024-01-01T10:30Z",
    ],
)
def test_format_checker_accepts_iso_date_times(text: str) -> None:
    assert format_checker().conforms(text, "date-time")


@pytest.mark.parametrize(
    "text", ["yesterday", "TEST_CASE_200", "2024-13-01", "2024-02-30T00:00:00Z", "2024-01-01T24:00"]
)
def test_format_checker_rejects_other_date_times(text: str) -> None:
    assert not format_checker().conforms(text, "date-time")


def test_format_checker_dates() -> None:
    checker = format_checker()
    assert checker.conforms("2024-02-29", "date")
    assert not checker.conforms("2023-02-29", "date")
    assert not checker.conforms("2024-01-01T00:00:00Z", "date")
    assert checker.conforms(17, "date-time")  # formats only constrain strings


# --------------------------------------------------------------------------------------------
# Unit tests on small in-memory models
# --------------------------------------------------------------------------------------------


def _model(definitions: dict[str, Any] | None = None) -> spec.ApiModel:
    document = {"swagger": "2.0", "definitions": definitions or {}}
    return spec.ApiModel(name="unit", file=Path("unit.json"), document=document)


def _check(model: spec.ApiModel, schema: dict[str, Any], seeds: range = range(30)) -> list[Any]:
    synth = Synthesizer(model)
    values = [synth.value(schema, random.Random(seed)) for seed in seeds]
    for value in values:
        assert _problems(model, schema, value) == [], value
    return values


def test_recursive_schema_terminates_with_required_only() -> None:
    model = _model(
        {
            "Node": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "string"},
                    "note": {"type": "string"},
                    "child": {"$ref": "#/definitions/Node"},
                    "children": {"type": "array", "items": {"$ref": "#/definitions/Node"}},
                },
            }
        }
    )
    for value in _check(model, {"$ref": "#/definitions/Node"}):
        depth = 0
        while "child" in value:
            value = value["child"]
            depth += 1
        assert 3 <= depth <= 6
        assert set(value) == {"id"}  # beyond the depth limit only required properties remain


def test_all_of_merges_properties_and_required() -> None:
    model = _model(
        {
            "Base": {
                "type": "object",
                "required": ["kind"],
                "properties": {"kind": {"type": "string", "enum": ["A", "B"]}},
            },
            "Both": {
                "allOf": [
                    {"$ref": "#/definitions/Base"},
                    {
                        "type": "object",
                        "required": ["size"],
                        "properties": {
                            "size": {"type": "integer", "minimum": 3, "maximum": 3},
                            "kind": {"type": "string", "maxLength": 1},
                        },
                    },
                ]
            },
        }
    )
    for value in _check(model, {"$ref": "#/definitions/Both"}):
        assert value["kind"] in ("A", "B") and value["size"] == 3


def test_numbers_respect_bounds_multiples_and_types() -> None:
    model = _model()
    schemas: list[dict[str, Any]] = [
        {"type": "integer", "minimum": 5, "maximum": 6, "exclusiveMaximum": True},
        {"type": "integer", "minimum": 1000, "multipleOf": 7},
        {"type": "integer", "format": "int32", "maximum": -50},
        {"type": "number", "minimum": 0, "maximum": 1, "exclusiveMinimum": True},
        {"type": "number", "format": "int32", "multipleOf": 5, "minimum": 5, "maximum": 360},
        {"type": "number", "minimum": 0.25, "maximum": 0.25},
    ]
    for schema in schemas:
        values = _check(model, schema)
        if schema["type"] == "integer":
            assert all(type(v) is int for v in values), values
    assert set(_check(model, schemas[0])) == {5}


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(
    low=st.integers(-(10**6), 10**6),
    span=st.integers(0, 10**6),
    step=st.sampled_from([None, 1, 2, 5, 100]),
    exclusive=st.booleans(),
    kind=st.sampled_from(["integer", "number"]),
    name=st.sampled_from([None, "quantity", "amount", "weight"]),
)
def test_numbers_always_within_constraints(
    low: int, span: int, step: int | None, exclusive: bool, kind: str, name: str | None
) -> None:
    high = low + span + (2 if exclusive else 0) + (step or 0)
    schema: dict[str, Any] = {"type": kind, "minimum": low, "maximum": high}
    schema["exclusiveMinimum"] = schema["exclusiveMaximum"] = exclusive
    if step:
        schema["multipleOf"] = step
    model = _model()
    synth = Synthesizer(model)
    for seed in range(3):
        value = synth.value(schema, random.Random(seed), name=name)
        assert _problems(model, schema, value) == [], value


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(
    low=st.integers(0, 60),
    extra=st.integers(0, 60),
    name=st.sampled_from([None, "City", "title", "AmazonOrderId", "countryCode", "sellerSku"]),
    pattern=st.sampled_from([None, "^[A-Za-z0-9-]*$", "^[A-Z0-9 ]+$", "[a-z]"]),
)
def test_strings_always_within_constraints(
    low: int, extra: int, name: str | None, pattern: str | None
) -> None:
    # maxLength >= 1: the patterns below need at least one character.
    high = max(low, 1) + extra
    schema: dict[str, Any] = {"type": "string", "minLength": low, "maxLength": high}
    if pattern:
        schema["pattern"] = pattern
    model = _model()
    synth = Synthesizer(model)
    for seed in range(3):
        value = synth.value(schema, random.Random(seed), name=name)
        assert _problems(model, schema, value) == [], value


def test_arrays_respect_item_counts_and_uniqueness() -> None:
    model = _model()
    schemas: list[dict[str, Any]] = [
        {"type": "array", "items": {"type": "string"}},
        {"type": "array", "items": {"type": "integer"}, "minItems": 5, "maxItems": 8},
        {"type": "array", "items": {"type": "string"}, "maxItems": 0},
        {
            "type": "array",
            "items": {"type": "string", "enum": ["a", "b", "c"]},
            "minItems": 3,
            "uniqueItems": True,
        },
    ]
    for schema in schemas:
        _check(model, schema)
    lengths = {len(v) for v in _check(model, schemas[0])}
    assert lengths == {1, 2, 3}


def test_maps_and_free_form_values() -> None:
    model = _model()
    values = _check(model, {"type": "object", "additionalProperties": {"type": "integer"}})
    assert all(len(v) == 1 and isinstance(next(iter(v.values())), int) for v in values)
    _check(model, {"type": "object", "additionalProperties": {}})
    _check(model, {"description": "anything at all"})


def test_parameters_are_typed() -> None:
    model = _model()
    synth = Synthesizer(model)
    rnd = random.Random(5)
    csv = {
        "name": "MarketplaceIds",
        "in": "query",
        "type": "array",
        "items": {"type": "string"},
        "collectionFormat": "csv",
        "maxItems": 50,
    }
    ids = synth.parameter(csv, rnd)
    assert isinstance(ids, list) and ids
    assert set(ids) <= {"ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"}
    size = {"name": "pageSize", "in": "query", "type": "integer", "minimum": 1, "maximum": 20}
    assert 1 <= synth.parameter(size, rnd) <= 20
    flag = {"name": "isISPU", "in": "query", "type": "boolean"}
    assert isinstance(synth.parameter(flag, rnd), bool)
    status = {"name": "status", "in": "query", "type": "string", "enum": ["OPEN", "CLOSED"]}
    assert synth.parameter(status, rnd) in ("OPEN", "CLOSED")
    after = {"name": "createdAfter", "in": "query", "type": "string", "format": "date-time"}
    assert ISO_UTC.fullmatch(synth.parameter(after, rnd))


def test_heuristic_values_yield_to_constraints() -> None:
    model = _model()
    synth = Synthesizer(model)
    # A city cannot be 40 characters of digits: the schema wins over the name.
    schema = {"type": "string", "pattern": "^[0-9]{40}$"}
    assert re.fullmatch(r"[0-9]{40}", synth.value(schema, random.Random(1), name="City"))
    # An ASIN that must be short is still short.
    short = {"type": "string", "maxLength": 4}
    assert len(synth.value(short, random.Random(1), name="ASIN")) <= 4

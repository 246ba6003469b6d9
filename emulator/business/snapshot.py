"""Entities to JSON and back, strictly: a snapshot that does not fit is refused whole.

`dump(entity)` gives plain JSON; `load(cls, data, where)` rebuilds an entity and checks every
field's type on the way (nested dataclasses, lists, dicts, optional fields), raising
SnapshotError with the path of the first bad value.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from functools import cache
from typing import Any, TypeVar, get_args, get_origin

from emulator.business import entities

T = TypeVar("T")


class SnapshotError(ValueError):
    """A snapshot that cannot be restored; the message names the bad value's path."""


def dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [dump(v) for v in value]
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items()}
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    # The entities' names, and those of the class's own module (the families' records).
    return typing.get_type_hints(cls, {**vars(entities), **vars(sys.modules[cls.__module__])})


def _check(kind: Any, value: Any, where: str) -> Any:
    origin = get_origin(kind)
    if kind is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        options = get_args(kind)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _check(option, value, where)
            except SnapshotError as error:
                errors.append(error)
        raise errors[0] if errors else SnapshotError(f"{where}: unexpected null")
    if dataclasses.is_dataclass(kind):
        return load(kind, value, where)  # type: ignore[arg-type]
    if origin is list:
        if not isinstance(value, list):
            raise SnapshotError(f"{where}: expected a list")
        (item,) = get_args(kind)
        return [_check(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise SnapshotError(f"{where}: expected a list")
        args = get_args(kind)
        if len(args) != len(value):
            raise SnapshotError(f"{where}: expected {len(args)} items")
        return tuple(_check(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value,
                                                                                  strict=True)))
    if origin is dict:
        if not isinstance(value, dict):
            raise SnapshotError(f"{where}: expected an object")
        key_type, value_type = get_args(kind)
        return {_check(key_type, k, where): _check(value_type, v, f"{where}.{k}")
                for k, v in value.items()}
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SnapshotError(f"{where}: expected a number")
        return float(value)
    if kind in (int, str, bool):
        if type(value) is not kind:
            raise SnapshotError(f"{where}: expected {kind.__name__}")
        return value
    if kind is object:
        return value
    raise SnapshotError(f"{where}: cannot restore a {kind!r}")  # pragma: no cover


def load(cls: type[T], data: Any, where: str) -> T:
    if not isinstance(data, dict):
        raise SnapshotError(f"{where}: expected an object")
    hints = _hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - known
    if unknown:
        raise SnapshotError(f"{where}: unknown field(s) {sorted(unknown)}")
    values = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise SnapshotError(f"{where}: missing field {f.name!r}")
            continue
        values[f.name] = _check(hints[f.name], data[f.name], f"{where}.{f.name}")
    return cls(**values)

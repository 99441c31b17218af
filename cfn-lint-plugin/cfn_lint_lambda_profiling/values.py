"""Checks a `Profiling` value and the transform's `Parameters` against schema.json.

The schema decides what is valid; this module only turns its errors into the
macro's kind of message (path, what is wrong, how to fix it, "did you mean").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator

Path = tuple  # of str keys and int list indexes
Problem = tuple  # (Path, message)


@cache
def schema() -> dict:
    text = resources.files(__package__).joinpath("schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _validator(definition: str) -> Draft7Validator:
    root = schema()
    # Validate against one definition while its $refs resolve in the whole document.
    return Draft7Validator({**root, "$ref": f"#/definitions/{definition}"})


def known_keys(definition: str) -> list[str]:
    return list(schema()["definitions"][definition]["properties"])


def is_intrinsic(v: Any) -> bool:
    if not isinstance(v, dict) or len(v) != 1:
        return False
    (k,) = v
    return isinstance(k, str) and (k in ("Ref", "Condition") or k.startswith("Fn::"))


def describe(v: Any) -> str:
    """A value as the macro's messages name it: `the number 3`, `an Fn::If`, ..."""
    if is_intrinsic(v):
        (k,) = v
        if k == "Ref" and isinstance(v[k], str):
            return f"a Ref to {v[k]}"
        return f"an {k}"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return f"the boolean {str(v).lower()}"
    if isinstance(v, (int, float)):
        return f"the number {v}"
    if isinstance(v, str):
        return f"the string {json.dumps(v)}"
    return "a list" if isinstance(v, list) else "an object"


def closest(word: str, known: list[str]) -> str | None:
    """The macro's suggestion rule (src/suggest.rs): nearest by Levenshtein, ignoring
    case, within max(len/3, 2); the first of equals wins."""
    best = None
    for k in known:
        d = _levenshtein(word.lower(), k.lower())
        if d <= max(len(k) // 3, 2) and (best is None or d < best[0]):
            best = (d, k)
    return best[1] if best else None


def _levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def unknown_key(key: str, known: list[str]) -> str:
    hint = closest(key, known)
    hint = f"did you mean {hint}? " if hint else ""
    return f"unknown key {json.dumps(key)}; {hint}the known keys are {', '.join(known)}"


def profiling_problems(value: Any, path: Path) -> list[Problem]:
    """Problems of one `Profiling` value (a function's, or Globals.Function's)."""
    if is_intrinsic(value) and not _valid("Boolean", value):
        return [
            (
                path,
                f"Profiling cannot be {describe(value)}: the macro runs before CloudFormation "
                "evaluates it. Write true, false, a Ref to a parameter, or an object of options",
            )
        ]
    if isinstance(value, dict) and not is_intrinsic(value):
        return list(_object_problems("ProfilingOptions", value, path))
    if _valid("Profiling", value):
        return []
    keys = ", ".join(known_keys("ProfilingOptions"))
    return [
        (
            path,
            f"Profiling must be true, false, or an object with any of the keys {keys}; got {describe(value)}",
        )
    ]


def parameters_problems(value: Any, path: Path) -> list[Problem]:
    """Problems of the transform's `Parameters`."""
    if value is not None and not isinstance(value, dict):
        return [(path, f"the transform's Parameters must be an object, not {describe(value)}")]
    return list(_object_problems("TransformParameters", value or {}, path))


def _valid(definition: str, value: Any) -> bool:
    return _validator(definition).is_valid(value)


def _object_problems(definition: str, value: dict, path: Path) -> Iterator[Problem]:
    known = known_keys(definition)
    for key in value:
        if key not in known:
            yield (path + (key,), unknown_key(str(key), known))
    for err in sorted(_validator(definition).iter_errors(value), key=_order(value)):
        if err.validator == "additionalProperties" and not err.path:
            continue  # reported above, one key at a time
        where = path + tuple(err.path)
        if err.validator == "not":
            yield (where, err.schema.get("description", err.message))
            continue
        name = err.path[-1] if err.path else path[-1]
        if len(err.path) >= 2 and err.path[-2] == "Tags":
            name = f"the value of tag {json.dumps(str(name))}"
        what = err.schema.get("description")
        if what is None:
            yield (where, f"{name}: {err.message}")
        else:
            yield (where, f"{name} must be {what}; got {describe(err.instance)}")


def _order(value: dict):
    """Errors in the template's key order, so the output is stable."""
    keys = list(value)

    def key(err) -> tuple:
        first = err.path[0] if err.path else None
        return (keys.index(first) if first in keys else -1, [str(p) for p in err.path])

    return key

"""JSON-schema validation of the pipeline's inputs (config, sample sheet rows, cargo
catalog rows), reported as records each checker turns into its own message.

One validator and one account of an error: where it is (the key path), what is wrong
(jsonschema's message) and what the schema says about the key (its description). The
config, sheet and catalog checks word their lines differently for their readers, from these
same fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import jsonschema


@dataclass(frozen=True)
class SchemaProblem:
    """One schema violation of a document."""

    path: tuple  # keys and item numbers from the document's root to the bad value
    message: str  # jsonschema's message
    validator: str  # the schema keyword that failed (enum, pattern, required, ...)
    validator_value: Any  # that keyword's value in the schema
    instance: Any  # the offending value
    description: str  # the schema's description of the value's key (of the object, for
    # a missing key), whitespace folded

    @property
    def key(self) -> str:
        """The key path as config keys are written: ``a.b[2].c`` or ``(top level)``."""
        parts = [f"[{part}]" if isinstance(part, int) else f".{part}" for part in self.path]
        return "".join(parts).lstrip(".") or "(top level)"

    @property
    def column(self) -> str | None:
        """The top-level key of a flat record (a sheet or catalog row), or None."""
        if self.path:
            return str(self.path[0])
        if self.validator == "required":
            return self.message.split("'")[1]
        return None


def subschema(schema: Mapping, path) -> Mapping:
    """Schema node of a key path (following properties/items/additionalProperties/$ref)."""
    node: Mapping = schema
    for part in path:
        if isinstance(part, int):
            node = node.get("items", {})
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        elif isinstance(node.get("additionalProperties"), Mapping):
            node = node["additionalProperties"]
        else:
            return {}
        if "$ref" in node:
            node = {**schema["definitions"][node["$ref"].rsplit("/", 1)[1]], **node}
    return node


def describe(schema: Mapping, path) -> str:
    """The description the schema gives the key at ``path``, whitespace folded."""
    return " ".join(str(subschema(schema, path).get("description", "")).split())


def problems(document: Any, schema: Mapping, validator=None) -> list[SchemaProblem]:
    """Every violation of ``schema`` by ``document``, in key-path order.

    ``validator`` reuses a ``jsonschema.Draft202012Validator`` built once for many records.
    """
    validator = validator or jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(document),
                    key=lambda e: ([str(p) for p in e.path], e.message))
    return [_problem(error, schema) for error in errors]


def _problem(error: jsonschema.ValidationError, schema: Mapping) -> SchemaProblem:
    path = tuple(error.path)
    description = describe(schema, path)
    return SchemaProblem(path, error.message, str(error.validator), error.validator_value,
                         error.instance, description)

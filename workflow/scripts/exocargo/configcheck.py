"""Config validation with messages that say which key is wrong and what it should be.

Snakemake's own ``validate`` prints the whole schema on an error; this check runs first and
reports each problem on one line (key path, value, expectation, the key's description).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import jsonschema

from exocargo.io import read_yaml


class ConfigError(ValueError):
    """A config that cannot run; the message lists every problem found."""


def _key_path(path) -> str:
    parts = []
    for part in path:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(parts).lstrip(".") or "(top level)"


def _subschema(schema: Mapping, path) -> Mapping:
    """Schema node of a config key path (following properties/items/additionalProperties)."""
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


def problems(config: Mapping[str, Any], schema: Mapping) -> list[str]:
    """One line per schema violation of ``config``."""
    lines = []
    validator = jsonschema.Draft202012Validator(schema)
    for error in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.path))):
        where = _key_path(error.path)
        if error.validator == "additionalProperties":
            allowed = sorted(_subschema(schema, error.path).get("properties", {}))
            unknown = sorted(set(error.instance) - set(allowed))
            lines.append(
                f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}"
            )
            continue
        description = " ".join(str(_subschema(schema, error.path).get("description", "")).split())
        line = f"{where}: {error.message}"
        if description:
            line += f" ({description})"
        lines.append(line)
    return lines


def config_source(configfiles) -> str:
    """How a message names the config: the config files read, and any --config values."""
    files = list(dict.fromkeys(str(path) for path in configfiles))
    return f"config ({', '.join(files + ['--config values'])})"


def check_config(config: dict[str, Any], schema_path: str | Path, source: str = "config") -> None:
    """Raise ConfigError listing every problem of ``config`` against the YAML schema; then
    fill in the schema's defaults for the keys the config leaves out."""
    schema = read_yaml(schema_path)
    found = problems(config, schema)
    if found:
        raise ConfigError(
            f"{source} has {len(found)} problem(s):\n" + "\n".join("  - " + p for p in found)
        )
    fill_defaults(config, schema)


def fill_defaults(config: dict[str, Any], schema: Mapping) -> None:
    """Set the schema's ``default`` of every key missing from ``config``, at every level.

    What ``snakemake.utils.validate(config, schema, set_default=True)`` does (the recipe of
    the jsonschema FAQ), on the schema already read: Snakemake's would read the YAML schema
    again with PyYAML's Python loader, at every Snakemake start (each job on a cluster).
    """
    properties = jsonschema.Draft202012Validator.VALIDATORS["properties"]

    def set_defaults(validator, subschemas, instance, node):
        for key, subschema in subschemas.items():
            if "default" in subschema and isinstance(instance, dict):
                instance.setdefault(key, subschema["default"])
        yield from properties(validator, subschemas, instance, node)

    filling = jsonschema.validators.extend(
        jsonschema.Draft202012Validator, {"properties": set_defaults}
    )
    for _ in filling(schema).iter_errors(config):
        pass

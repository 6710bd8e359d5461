"""Config validation with messages that say which key is wrong and what it should be.

Snakemake's own ``validate`` prints the whole schema on an error; this check runs first and
reports each problem on one line (key path, value, expectation, the key's description).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import jsonschema

from exocargo.io import read_yaml
from exocargo.schema import problems as schema_problems
from exocargo.schema import subschema


# The schema definition of a reference file: a path, a URL, or a URL with a checksum.
REFERENCE = "#/definitions/reference"


class ConfigError(ValueError):
    """A config that cannot run; the message lists every problem found."""


def problems(config: Mapping[str, Any], schema: Mapping) -> list[str]:
    """One line per schema violation of ``config``: key path, what is wrong, and the key's
    description from the schema."""
    lines = []
    for problem in schema_problems(config, schema):
        if problem.validator == "additionalProperties":
            allowed = sorted(subschema(schema, problem.path).get("properties", {}))
            unknown = sorted(set(problem.instance) - set(allowed))
            lines.append(
                f"{problem.key}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}"
            )
            continue
        line = f"{problem.key}: {problem.message}"
        if problem.validator in ("oneOf", "anyOf") and REFERENCE in str(
            subschema(schema, problem.path)
        ):
            # say which forms a reference takes, not only that none matched
            forms = " ".join(schema["definitions"]["reference"]["description"].split())
            line = f"{problem.key}: {problem.instance!r} is not a reference file: {forms}"
        if problem.description:
            line += f" ({problem.description})"
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

"""Reading the cargo catalog TSV and validating it against its row schema.

Any problem raises :class:`CatalogError` naming the file, the 1-based data row with its line
number, the column and what to change, in the words a curator needs.
"""

from __future__ import annotations

import csv
from pathlib import Path

import jsonschema
import pandas as pd

from exocargo.io import read_yaml
from exocargo.schema import SchemaProblem, problems

# workflow/scripts/exocargo/catalog/load.py -> workflow/schemas/
SCHEMA_PATH = (
    Path(__file__).resolve().parents[3] / "schemas" / "cargo_catalog.schema.yaml"
)


class CatalogError(ValueError):
    """The catalog file is missing, malformed or violates its schema."""


def load_schema(schema_path: str | Path | None = None) -> dict:
    """Return the catalog row schema (a dict) from YAML; default workflow/schemas/cargo_catalog.schema.yaml."""
    path = Path(schema_path) if schema_path is not None else SCHEMA_PATH
    return read_yaml(path)


def load_catalog(
    path: str | Path, schema_path: str | Path | None = None
) -> pd.DataFrame:
    """Read and validate the cargo catalog TSV; return it as a DataFrame of strings.

    Every row is validated against the schema; claim_id must be unique and no cell may carry
    leading or trailing whitespace. Any problem raises CatalogError naming the file, the 1-based
    data row with its line number, the column and what to change. Row order is kept.
    """
    path = Path(path)
    if not path.is_file():
        raise CatalogError(
            f"{path}: catalog file not found; check the path in config (cargo catalog)."
        )
    schema = load_schema(schema_path)
    _check_field_counts(path)
    cat = _read_tsv(path)
    _check_header(path, cat, schema)
    _check_rows(path, cat, schema)
    return cat.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# The file as text and as a table
# --------------------------------------------------------------------------------------------


def _check_field_counts(path: Path) -> None:
    """Every line must have as many tab-separated fields as the header.

    pandas pads a short row with empty strings, which would turn a lost tab into a silently
    emptied column (or a shifted one), so the raw lines are counted first.
    """
    lines = _read_lines(path)
    expected = lines[0].count("\t") + 1
    for number, line in enumerate(lines[1:], start=1):
        if not line.strip():
            # pandas would skip it and shift every later row number in our messages.
            raise CatalogError(f"{path}: line {number + 1} is blank; remove it.")
        found = line.count("\t") + 1
        if found != expected:
            raise CatalogError(
                f"{path}: data row {number} (line {number + 1}) has {found} tab-separated fields where "
                f"the header has {expected}; fix the tabs in this row."
            )


def _read_lines(path: Path) -> list[str]:
    """The file's lines; it must be UTF-8 and not empty."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise CatalogError(
            f"{path}: is not UTF-8 text ({exc}); save it as UTF-8."
        ) from exc
    if not lines:
        raise CatalogError(f"{path}: is empty; it needs a header row and data rows.")
    return lines


def _read_tsv(path: Path) -> pd.DataFrame:
    """The catalog as a table of strings (empty cells as "", never NaN); it must have rows."""
    try:
        # QUOTE_NONE: quotes and legends contain quotation marks that are text, not CSV quoting.
        cat = pd.read_csv(
            path,
            sep="\t",
            dtype=str,
            keep_default_na=False,
            quoting=csv.QUOTE_NONE,
            encoding="utf-8",
        )
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise CatalogError(
            f"{path}: cannot be read as a UTF-8 tab-separated table with a header row ({exc})."
        ) from exc
    if cat.empty:
        raise CatalogError(
            f"{path}: has a header but no data rows; add the catalog rows."
        )
    return cat


def _check_header(path: Path, cat: pd.DataFrame, schema: dict) -> None:
    """The header names exactly the schema's properties (missing ones reported first)."""
    expected = list(schema["properties"])
    missing = [col for col in expected if col not in cat.columns]
    unknown = [col for col in cat.columns if col not in schema["properties"]]
    if missing:
        raise CatalogError(
            f"{path}: header lacks column(s) {', '.join(missing)}; add them (see {SCHEMA_PATH.name})."
        )
    if unknown:
        raise CatalogError(
            f"{path}: header has column(s) {', '.join(unknown)} that the schema does not define; "
            f"remove them or describe them in {SCHEMA_PATH.name}."
        )


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------


def _check_rows(path: Path, cat: pd.DataFrame, schema: dict) -> None:
    """Check each row in turn (its cells, its schema, its claim_id); the first problem raises."""
    validator = jsonschema.Draft202012Validator(schema)
    first_row_of: dict[str, int] = {}
    for index, record in enumerate(cat.to_dict(orient="records"), start=1):
        where = f"{path}: data row {index} (line {index + 1})"
        _check_cells(where, record)
        _check_schema(where, record, schema, validator)
        _check_new_claim_id(where, record["claim_id"], index, first_row_of)


def _check_cells(where: str, record: dict) -> None:
    """Every cell is a string without surrounding whitespace."""
    for column, value in record.items():
        if not isinstance(value, str):
            raise CatalogError(
                f"{where}, column '{column}': value is missing; fill it in (empty is allowed where the schema permits)."
            )
        if value != value.strip():
            raise CatalogError(
                f"{where}, column '{column}': value {value!r} has surrounding whitespace; remove it."
            )


def _check_schema(where: str, record: dict, schema: dict, validator) -> None:
    """The row satisfies the schema; the first violation (in column order) raises."""
    found = problems(record, schema, validator)
    if found:
        problem = found[0]
        column = problem.path[0] if problem.path else "(row)"
        raise CatalogError(
            f"{where}, column '{column}': {problem.message}; {_error_hint(problem)}."
        )


def _error_hint(problem: SchemaProblem) -> str:
    """Say what to change, in the words a curator needs."""
    validator, value = problem.validator, problem.validator_value
    if validator == "enum":
        return "change it to one of: " + ", ".join(map(str, value))
    if validator == "const":
        return f"change it to '{value}'"
    if validator == "pattern":
        return f"change it to match the pattern {value}"
    if validator == "minLength":
        return "fill it in (it must not be empty here)"
    if validator == "maxLength" and value == 0:
        return "leave it empty for this id_type"
    if validator == "maxLength":
        return f"shorten it to at most {value} characters"
    return "see workflow/schemas/cargo_catalog.schema.yaml"


def _check_new_claim_id(
    where: str, claim_id: str, index: int, first_row_of: dict[str, int]
) -> None:
    """claim_id is not used by an earlier row; remember this row as its first use."""
    if claim_id in first_row_of:
        raise CatalogError(
            f"{where}, column 'claim_id': '{claim_id}' already used by data row "
            f"{first_row_of[claim_id]}; give this claim a new id."
        )
    first_row_of[claim_id] = index

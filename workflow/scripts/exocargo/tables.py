"""The pipeline's own tables: one writer with a fixed number format, typed readers, and the
one definition of a significant result.

Every table a rule writes for another rule or for the user goes through ``write_table`` so
that reruns are byte-identical (floats as ``%.6g``, missing values as ``NA``), and every
reader of those tables reads them back with the column types they were written with:
identifiers as strings (a feature called ``1`` or ``NA`` stays a name), and the boolean
columns of the cargo table as booleans, not as the text ``"True"``.
"""

from __future__ import annotations

import os
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

# How the pipeline writes numbers and missing values in every table.
FLOAT_FORMAT = "%.6g"
NA = "NA"

# Columns that hold names, never numbers, in any of the pipeline's tables.
TEXT_COLUMNS = ("feature_id", "sample", "reference", "chrom", "circ_id", "reasons",
                "strandedness")
# Boolean columns of the cargo table (results/cargo/{contrast}.tsv).
CARGO_BOOLEAN_COLUMNS = ("significant", "in_catalog")


def significant(padj, alpha: float):
    """Whether an adjusted p-value is below ``alpha``: the one definition of a hit.

    Takes a number (returns a bool) or a Series/array (returns a boolean mask of the same
    shape). A missing padj (NaN, None, "", "NA": a feature DESeq2 filtered out or could not
    test) is never significant.
    """
    if isinstance(padj, pd.Series):
        return pd.to_numeric(padj, errors="coerce").lt(alpha)
    if isinstance(padj, np.ndarray):
        return np.asarray(pd.to_numeric(padj, errors="coerce"), dtype=float) < alpha
    try:
        value = float(padj)
    except (TypeError, ValueError):
        return False
    return bool(value < alpha)


def write_table(
    table: pd.DataFrame,
    path: str | os.PathLike,
    *,
    index: bool = False,
    float_format: str = FLOAT_FORMAT,
    header: bool = True,
) -> None:
    """Write a table as TSV in the pipeline's fixed format (byte-stable across reruns)."""
    table.to_csv(path, sep="\t", index=index, header=header, float_format=float_format,
                 na_rep=NA)


def read_table(
    path: str | os.PathLike,
    *,
    index_col: str | int | None = None,
    booleans: Iterable[str] = (),
    text: Iterable[str] = (),
) -> pd.DataFrame:
    """Read a table written by ``write_table``: NA as missing, names as strings.

    ``booleans`` names columns written from booleans; they come back as bool (a missing or
    unexpected value raises, so a reader never silently treats "true" or "1" as False).
    """
    dtypes: Mapping[str, type] = {c: str for c in (*TEXT_COLUMNS, *text)}
    table = pd.read_csv(path, sep="\t", na_values=[NA], keep_default_na=False,
                        dtype=dtypes, index_col=index_col)
    for column in booleans:
        if column in table.columns:
            table[column] = _as_bool(table[column], column, path)
    return table


def _as_bool(values: pd.Series, column: str, path) -> pd.Series:
    if values.dtype == bool:
        return values
    mapped = values.astype(str).map({"True": True, "False": False})
    if mapped.isna().any():
        bad = sorted(set(values[mapped.isna()].astype(str)))
        raise ValueError(f"{path}: column '{column}' must be True or False, found {bad}")
    return mapped.astype(bool)


def read_de_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a DE result table (results/de/{contrast}/{rna_class}.tsv)."""
    return read_table(path)


def read_cargo_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a cargo table (results/cargo/{contrast}.tsv), its flags as booleans."""
    return read_table(path, booleans=CARGO_BOOLEAN_COLUMNS)


def read_matrix(path: str | os.PathLike) -> pd.DataFrame:
    """Read a feature x sample matrix (counts, VST) indexed by its feature names."""
    return read_table(path, index_col=0)

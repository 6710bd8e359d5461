"""File writing shared by the demo generators (simulate_smallrna.py, simulate_longrna.py).

Every writer is atomic (temporary name, then rename) and byte-stable: the same records give
the same bytes, so that the committed demo can be compared with a fresh run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
_COMPLEMENT = str.maketrans("ACGTN", "TGCAN")


def reverse_complement(seq: str) -> str:
    """Return the reverse complement of a DNA string (N stays N)."""
    return seq.translate(_COMPLEMENT)[::-1]


def write_fasta(path: str | os.PathLike, records: Mapping[str, str], width: int = 60) -> None:
    """Write name -> sequence records as FASTA, ``width`` bases a line."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as handle:
        for name, seq in records.items():
            handle.write(f">{name}\n")
            for start in range(0, len(seq), width):
                handle.write(seq[start : start + width] + "\n")
    os.replace(tmp, path)


def write_lines(path: Path, lines: Iterable[str]) -> None:
    """Write text lines, each ended by a newline."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(line + "\n" for line in lines))
    os.replace(tmp, path)


def write_tsv(table: pd.DataFrame, path: Path, **kwargs) -> None:
    """Write a table as TSV with '\\n' line ends and 6 significant digits for floats."""
    tmp = path.with_name(path.name + ".tmp")
    table.to_csv(tmp, sep="\t", lineterminator="\n", float_format="%.6g", **kwargs)
    os.replace(tmp, path)


def sheet_path(path: Path) -> str:
    """A FASTQ path as the pipeline sees it: relative to the repository root when inside it."""
    path = path.resolve()
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return path.as_posix()

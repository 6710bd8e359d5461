"""What the demo generators (simulate_smallrna.py, simulate_longrna.py) share: the 2 x 2
design of the demo cohorts and the file writers.

Every writer is atomic (temporary name, then rename) and byte-stable: the same records give
the same bytes, so that the committed demo can be compared with a fresh run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
_COMPLEMENT = str.maketrans("ACGTN", "TGCAN")

# The design: resistance x metastasis, three replicates per cell, a batch balanced against
# both factors. Contrast name -> (sheet column, case level, control level).
CONTRASTS = {
    "resistant_vs_sensitive": ("resistance", "resistant", "sensitive"),
    "metastatic_vs_localized": ("metastasis", "metastatic", "localized"),
}
CELLS = (
    ("resistant", "metastatic"),
    ("resistant", "localized"),
    ("sensitive", "metastatic"),
    ("sensitive", "localized"),
)
# Batch of replicates 1-3 of each cell: every level of either factor gets 3 + 3 batches.
CELL_BATCHES = (("B1", "B1", "B2"), ("B2", "B2", "B1"), ("B2", "B2", "B1"), ("B1", "B1", "B2"))
_SHORT = {"resistant": "res", "sensitive": "sen", "metastatic": "met", "localized": "loc"}


def design_table(n_samples: int, prefix: str) -> pd.DataFrame:
    """Sample names (``{prefix}01_res_met`` ...) and the 2x2 (+ batch) design; samples fill
    the four cells in turn."""
    reps = -(-n_samples // len(CELLS))
    rows = []
    for i in range(n_samples):
        cell = i // reps
        resistance, metastasis = CELLS[cell]
        rows.append(
            {
                "sample": f"{prefix}{i + 1:02d}_{_SHORT[resistance]}_{_SHORT[metastasis]}",
                "resistance": resistance,
                "metastasis": metastasis,
                "batch": CELL_BATCHES[cell][(i - cell * reps) % 3],
            }
        )
    return pd.DataFrame(rows)


def log2_design(design: pd.DataFrame, plan: pd.DataFrame) -> np.ndarray:
    """log2 of the expected abundance of every feature (rows) in every sample (columns).

    ``plan`` holds per feature a ``base`` level, a log2 fold change per contrast and a
    ``batch_log2fc``. Factors are coded -1/2 and +1/2 so that ``base`` is the level at the
    design's centre.
    """
    log2mu = np.log2(plan["base"].to_numpy())[:, None] + np.zeros(len(design))[None, :]
    for contrast, (column, case, _) in CONTRASTS.items():
        x = np.where(design[column] == case, 0.5, -0.5)
        log2mu += plan[contrast].to_numpy()[:, None] * x[None, :]
    x = np.where(design["batch"] == "B2", 0.5, -0.5)
    log2mu += plan["batch_log2fc"].to_numpy()[:, None] * x[None, :]
    return log2mu


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

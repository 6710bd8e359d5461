"""Which catalog cargo a cohort's libraries carry, without any contrast.

A run without contrasts (counts only: one cohort, one library, patients without a control
group) still answers the first question a biologist asks of exosomal RNA-seq: which of the
molecules the reviews describe as exosomal cargo are in these libraries, and how many reads
each has. Every feature of a count matrix that matches a catalog claim is listed, one row
per (feature, claim), with how many libraries detect it; there is no direction and no
concordance, since nothing is compared.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from .annotate import CLAIM_COLUMNS
from .names import build_index, check_rna_class, clean_str, match_with_index

# A library detects a feature with at least this many reads (one read: present at all).
MIN_READS = 1

DETECTED_COLUMNS = [
    "rna_class",
    "feature_id",
    "gene_name",
    "libraries_detected",
    "libraries",
    "mean_count",
    "max_count",
    "claim_id",
    "match_type",
    "match_note",
    "catalog_cargo",
    "catalog_id",
    "catalog_role",
    "catalog_context",
    "catalog_subcategory",
    "catalog_direction",
    "catalog_comparison",
    "drug",
    "review",
    "reference",
]

# Detected-table column -> the catalog column it copies: the claim's columns that do not
# depend on a comparison.
_CLAIM_COLUMNS = {
    column: CLAIM_COLUMNS[column]
    for column in DETECTED_COLUMNS
    if column in CLAIM_COLUMNS
}


def detected_cargo(counts: pd.DataFrame, rna_class: str, cat: pd.DataFrame) -> pd.DataFrame:
    """Catalog claims matched by the features of one count matrix that any library detects.

    ``counts`` is a feature x library matrix indexed by feature id, with an optional
    ``gene_name`` column. Rows are ordered by detection (most libraries, then most reads),
    feature id, then catalog order; a matrix with no library or no match gives the header
    only.
    """
    check_rna_class(rna_class)
    names = counts["gene_name"] if "gene_name" in counts.columns else None
    reads = counts.drop(columns=["gene_name"], errors="ignore")
    detecting = (reads >= MIN_READS).sum(axis=1)
    index = build_index(cat)
    claims = cat.to_dict(orient="records")
    position = {claim_id: pos for pos, claim_id in enumerate(index.claim_ids)}
    rows = []
    for feature_id in reads.index[detecting > 0]:
        gene_name = clean_str(names[feature_id]) if names is not None else ""
        for match in match_with_index(str(feature_id), rna_class, index, gene_name):
            claim = claims[position[match.claim_id]]
            rows.append(_row(rna_class, feature_id, gene_name, reads.loc[feature_id],
                             int(detecting[feature_id]), match, claim)
                        | {"_pos": position[match.claim_id]})
    table = pd.DataFrame(rows, columns=DETECTED_COLUMNS + ["_pos"])
    table = table.sort_values(["libraries_detected", "mean_count", "feature_id", "_pos"],
                              ascending=[False, False, True, True], kind="stable")
    return table.drop(columns="_pos").reset_index(drop=True)


def _row(
    rna_class: str,
    feature_id: Any,
    gene_name: str,
    reads: pd.Series,
    detecting: int,
    match,
    claim: Mapping[str, str],
) -> dict[str, Any]:
    return {
        "rna_class": rna_class,
        "feature_id": str(feature_id),
        "gene_name": gene_name,
        "libraries_detected": detecting,
        "libraries": len(reads),
        "mean_count": float(reads.mean()),
        "max_count": int(reads.max()),
        "claim_id": match.claim_id,
        "match_type": match.match_type,
        "match_note": match.note,
        **{column: claim[source] for column, source in _CLAIM_COLUMNS.items()},
    }

"""Differential-expression results read against catalog claims: the observed direction, its
concordance with a claim (:func:`concordance`) and the annotation of a whole DE table
(:func:`annotate`)."""

from __future__ import annotations

import math
from typing import Any, Mapping, NamedTuple

import pandas as pd

from exocargo.tables import significant

from .names import (
    CatalogIndex,
    CatalogMatch,
    build_index,
    check_rna_class,
    clean_str,
    match_with_index,
)

# A contrast's context: which catalog claims speak to it. "other" (patients vs healthy
# donors, a time course, ...) fits no claim, and no direction is judged for it.
CONTRAST_CONTEXTS = ("drug_resistance", "metastasis", "other")

# Immune and biomarker claims fit a contrast through their subcategory: therapy-response
# subcategories inform a resistance contrast; immune evasion and metastasis markers inform a
# metastasis contrast (the metastasis review treats immune evasion as a step of metastasis).
# Diagnosis, prognosis, microenvironment and exosome-therapy claims fit neither.
_FITS = {
    "drug_resistance": {
        "drug_resistance": None,
        "immune": {"immunotherapy"},
        "biomarker": {"chemotherapy", "tamoxifen", "trastuzumab", "immunotherapy"},
    },
    "metastasis": {
        "metastasis": None,
        "immune": {"immune_evasion"},
        "biomarker": {"metastasis_detection"},
    },
    "other": {},
}

ANNOTATION_COLUMNS = [
    "rna_class",
    "feature_id",
    "gene_name",
    "baseMean",
    "log2FoldChange",
    "log2FoldChange_shrunk",
    "pvalue",
    "padj",
    "significant",
    "observed_direction",
    "in_catalog",
    "claim_id",
    "match_type",
    "match_note",
    "catalog_cargo",
    "catalog_id",
    "catalog_rna_class",
    "catalog_role",
    "catalog_context",
    "catalog_subcategory",
    "catalog_organ",
    "catalog_direction",
    "catalog_direction_basis",
    "catalog_comparison",
    "catalog_effect",
    "catalog_evidence",
    "drug",
    "direction_agrees",
    "context_fits",
    "review",
    "reference",
    "quote",
    "catalog_notes",
]

# Annotation column -> the catalog column it copies (the detected-cargo table copies some).
CLAIM_COLUMNS = {
    "catalog_cargo": "cargo_name",
    "catalog_id": "canonical_id",
    "catalog_rna_class": "rna_class",
    "catalog_role": "cargo_role",
    "catalog_context": "context",
    "catalog_subcategory": "subcategory",
    "catalog_organ": "organ",
    "catalog_direction": "direction",
    "catalog_direction_basis": "direction_basis",
    "catalog_comparison": "comparison",
    "catalog_effect": "effect",
    "catalog_evidence": "evidence",
    "drug": "drug",
    "review": "review",
    "reference": "reference",
    "quote": "quote",
    "catalog_notes": "notes",
}

_DE_COLUMNS = ("feature_id", "gene_name", "baseMean", "log2FoldChange", "padj")
_NUMERIC_COLUMNS = ("baseMean", "log2FoldChange", "log2FoldChange_shrunk", "pvalue", "padj")


# --------------------------------------------------------------------------------------------
# Concordance
# --------------------------------------------------------------------------------------------


def _as_float(value: Any) -> float:
    """The value as a float; NaN for None and anything that is not a number."""
    try:
        return math.nan if value is None else float(value)
    except (TypeError, ValueError):
        return math.nan


def observed_direction(log2fc: Any, padj: Any, alpha: float) -> str:
    """Return "up"/"down" when padj < alpha and log2fc is non-zero, else "ns" (NaN padj or log2fc counts as ns)."""
    if not significant(padj, alpha):
        return "ns"
    change = _as_float(log2fc)
    if change > 0:
        return "up"
    if change < 0:
        return "down"
    return "ns"


def _check_context(contrast_context: str) -> None:
    """Raise ValueError unless contrast_context is one of CONTRAST_CONTEXTS."""
    if contrast_context not in CONTRAST_CONTEXTS:
        raise ValueError(
            f"contrast_context must be one of {', '.join(CONTRAST_CONTEXTS)}, not {contrast_context!r}"
        )


def context_fits(contrast_context: str, claim_row: Mapping[str, str]) -> str:
    """Return "yes" if the claim informs a contrast of this context, else "no".

    drug_resistance claims fit a drug_resistance contrast and metastasis claims a metastasis
    contrast. Immune claims fit drug_resistance when about immunotherapy and metastasis when
    about immune evasion; biomarker claims fit drug_resistance when they predict a therapy
    response (chemotherapy, tamoxifen, trastuzumab, immunotherapy) and metastasis when they mark
    metastatic disease (metastasis_detection). Diagnosis, prognosis and other claims fit neither.
    """
    _check_context(contrast_context)
    allowed = _FITS[contrast_context]
    context = claim_row["context"]
    if context not in allowed:
        return "no"
    subcategories = allowed[context]
    return (
        "yes"
        if subcategories is None or claim_row["subcategory"] in subcategories
        else "no"
    )


def concordance(
    log2fc: Any,
    padj: Any,
    alpha: float,
    contrast_context: str,
    claim_row: Mapping[str, str],
) -> dict[str, str]:
    """Compare one DE result with one catalog claim.

    log2fc must be resistant (or metastatic) over sensitive (or non-metastatic), the orientation
    of the catalog's direction column. Returns observed_direction ("up"/"down"/"ns"),
    direction_agrees ("not_judged" for a contrast of context "other", whose groups are not
    the catalog's; "unknown" when the catalog direction is unknown, else "not_significant"
    when ns, else "yes"/"no") and context_fits (see :func:`context_fits`).
    """
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha must be in (0, 1], not {alpha!r}")
    observed = observed_direction(log2fc, padj, alpha)
    catalog_direction = claim_row["direction"]
    if contrast_context == "other":
        agrees = "not_judged"
    elif catalog_direction not in ("up", "down"):
        agrees = "unknown"
    elif observed == "ns":
        agrees = "not_significant"
    else:
        agrees = "yes" if observed == catalog_direction else "no"
    return {
        "observed_direction": observed,
        "direction_agrees": agrees,
        "context_fits": context_fits(contrast_context, claim_row),
    }


# --------------------------------------------------------------------------------------------
# Annotation of a DE table
# --------------------------------------------------------------------------------------------


class _SortKey(NamedTuple):
    """Where an annotation row goes: significant first, then padj ascending (NaN last),
    feature_id, catalog row order (an unmatched feature's one row has claim_pos -1)."""

    not_significant: bool
    padj_missing: bool
    padj: float  # inf when missing
    feature_id: str
    claim_pos: int


class _Row(NamedTuple):
    """One row of the annotation table and its place in the order."""

    key: _SortKey
    values: dict[str, Any]


class _Claims(NamedTuple):
    """The catalog as annotate() reads it: the matching index and the rows as dicts."""

    index: CatalogIndex
    records: list[dict[str, str]]
    pos_by_claim: dict[str, int]


def annotate(
    de: pd.DataFrame,
    rna_class: str,
    contrast_context: str,
    cat: pd.DataFrame,
    alpha: float,
) -> pd.DataFrame:
    """Annotate a pydeseq2 result table with catalog claims.

    Keeps every feature that is significant (padj < alpha) or matches the catalog; one row per
    (feature, matched claim), and one row with in_catalog False for a significant feature that
    matches nothing. Columns are ANNOTATION_COLUMNS. Order: significant first, then padj
    ascending (NaN last), feature_id, catalog row order.
    """
    check_rna_class(rna_class)
    _check_context(contrast_context)
    missing = [col for col in _DE_COLUMNS if col not in de.columns]
    if missing:
        raise ValueError(f"DE table lacks column(s) {', '.join(missing)}")
    claims = _index_claims(cat)
    rows: list[_Row] = []
    for feature in de.to_dict(orient="records"):
        rows.extend(_feature_rows(feature, rna_class, contrast_context, claims, alpha))
    rows.sort(key=lambda row: row.key)
    return _as_table([row.values for row in rows])


def _index_claims(cat: pd.DataFrame) -> _Claims:
    """Index the catalog once for all features of a table."""
    index = build_index(cat)
    pos_by_claim = {claim: pos for pos, claim in enumerate(index.claim_ids)}
    return _Claims(index, cat.to_dict(orient="records"), pos_by_claim)


def _feature_rows(
    feature: dict[str, Any],
    rna_class: str,
    contrast_context: str,
    claims: _Claims,
    alpha: float,
) -> list[_Row]:
    """The annotation rows of one DE feature: one per matched claim, one if it is a hit that
    matches nothing, none if it is neither a hit nor in the catalog."""
    feature_id = str(feature["feature_id"])
    gene_name = clean_str(feature.get("gene_name"))
    hit = significant(feature["padj"], alpha)
    matches = match_with_index(feature_id, rna_class, claims.index, gene_name)
    if not matches and not hit:
        return []
    base = _feature_columns(feature, rna_class, feature_id, gene_name, hit, alpha)
    padj = _as_float(feature["padj"])
    key = _SortKey(not hit, math.isnan(padj), math.inf if math.isnan(padj) else padj,
                   feature_id, -1)
    if not matches:
        row = dict(base, in_catalog=False)
        row.update({col: "" for col in ANNOTATION_COLUMNS if col not in row})
        return [_Row(key, row)]
    rows = []
    for match in matches:
        pos = claims.pos_by_claim[match.claim_id]
        claim = claims.records[pos]
        verdict = concordance(feature["log2FoldChange"], feature["padj"], alpha,
                              contrast_context, claim)
        rows.append(_Row(key._replace(claim_pos=pos), _claim_row(base, match, claim, verdict)))
    return rows


def _feature_columns(
    feature: dict[str, Any],
    rna_class: str,
    feature_id: str,
    gene_name: str,
    hit: bool,
    alpha: float,
) -> dict[str, Any]:
    """The columns describing the DE result itself, shared by all rows of a feature."""
    return {
        "rna_class": rna_class,
        "feature_id": feature_id,
        "gene_name": gene_name,
        "baseMean": feature.get("baseMean", math.nan),
        "log2FoldChange": feature["log2FoldChange"],
        "log2FoldChange_shrunk": feature.get("log2FoldChange_shrunk", math.nan),
        "pvalue": feature.get("pvalue", math.nan),
        "padj": feature["padj"],
        "significant": hit,
        "observed_direction": observed_direction(
            feature["log2FoldChange"], feature["padj"], alpha
        ),
    }


def _claim_row(
    base: dict[str, Any],
    match: CatalogMatch,
    claim: Mapping[str, str],
    verdict: Mapping[str, str],
) -> dict[str, Any]:
    """A feature's columns extended by one matched claim and the verdict on it."""
    return {
        **base,
        "in_catalog": True,
        "claim_id": match.claim_id,
        "match_type": match.match_type,
        "match_note": match.note,
        **{column: claim[source] for column, source in CLAIM_COLUMNS.items()},
        "direction_agrees": verdict["direction_agrees"],
        "context_fits": verdict["context_fits"],
    }


def _as_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The annotation rows as a table of ANNOTATION_COLUMNS with boolean and float columns."""
    table = pd.DataFrame(rows, columns=ANNOTATION_COLUMNS)
    for column in ("significant", "in_catalog"):
        table[column] = table[column].astype(bool)
    for column in _NUMERIC_COLUMNS:
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    return table.reset_index(drop=True)

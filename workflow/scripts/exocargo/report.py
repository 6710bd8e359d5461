"""The self-contained HTML report.

``results/report.html`` is one file that works offline: figures are embedded as base64 PNG
(their SVG twins are linked for print), there is no script and no external resource, so
it opens the same from a laptop, an e-mail attachment or a browser without network. The
page is rendered with Jinja2 from ``workflow/report/report.html.j2`` (autoescaped); this
module prepares everything the template shows:

* run summary: config, software versions, the sample sheet;
* QC: thresholds, criteria that cannot be assessed, per-sample verdicts with reasons,
  composition and read-length figures, a link to the MultiQC report;
* per contrast and RNA class: samples used and left out, counts of hits, the top hits,
  volcano and MA plots;
* known cargo: every catalog claim matched by a measured feature, the observed direction
  next to the one the review reports, and the review's reference.

Cargo tables come in as :func:`exocargo.tables.read_cargo_table` reads them (flags as
booleans); a hit is what :func:`exocargo.tables.significant` says. The software versions
are collected by :mod:`exocargo.versions`.
"""

from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import Mapping

import pandas as pd

from exocargo import tables

# Review files of the cargo catalog (resources/cargo_catalog.README.md, Provenance).
REVIEWS = {
    "000_033a73301b842bf9.txt": "Review 000: exosomes in breast-cancer drug resistance "
    "(chemotherapy, endocrine, HER2-targeted and immunotherapy)",
    "004_ae7c9a7570de428f.txt": "Review 004: exosomal cargo in breast-cancer metastasis "
    "(angiogenesis, vascular barrier, pre-metastatic niche, immune regulation)",
}
REVIEW_SHORT = {
    "000_033a73301b842bf9.txt": "Review 000 (drug resistance)",
    "004_ae7c9a7570de428f.txt": "Review 004 (metastasis)",
}
TOP_HIT_COLUMNS = [
    "feature_id",
    "gene_name",
    "baseMean",
    "log2FoldChange",
    "log2FoldChange_shrunk",
    "padj",
    "catalog",
]


# --------------------------------------------------------------------------------------------
# Report content
# --------------------------------------------------------------------------------------------


def png_data_uri(path: str | Path) -> str:
    """A PNG file as a data: URI, for an <img> that needs no other file."""
    data = Path(path).read_bytes()
    if not data.startswith(b"\x89PNG"):
        raise ValueError(f"{path}: not a PNG file")
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def review_label(review: str, short: bool = False) -> str:
    """Readable name of a catalog review file (short: for table cells)."""
    return (REVIEW_SHORT if short else REVIEWS).get(review, review)


def de_summary(result: pd.DataFrame, alpha: float) -> dict:
    """Features tested and significant (up, down) in one DE table."""
    significant = tables.significant(result["padj"], alpha)
    return {
        "tested": int(len(result)),
        "significant": int(significant.sum()),
        "up": int((significant & (result["log2FoldChange"] > 0)).sum()),
        "down": int((significant & (result["log2FoldChange"] < 0)).sum()),
    }


def top_hits(
    result: pd.DataFrame, cargo: pd.DataFrame, rna_class: str, alpha: float, n: int
) -> tuple[pd.DataFrame, bool]:
    """The ``n`` most significant features of one DE table, with their catalog names.

    Returns the rows and whether any feature is significant; without significant
    features the best ``n`` by p-value are returned so the reader sees how close they are.
    """
    significant = tables.significant(result["padj"], alpha)
    pool = result[significant] if significant.any() else result[result["pvalue"].notna()]
    pool = pool.assign(abs_lfc=pool["log2FoldChange"].abs()).sort_values(
        ["padj", "pvalue", "abs_lfc", "feature_id"],
        ascending=[True, True, False, True],
        na_position="last",
        kind="stable",
    )
    rows = pool.head(n).copy()
    names = {}
    if not cargo.empty:
        known = cargo[(cargo["rna_class"] == rna_class) & cargo["in_catalog"]]
        names = known.groupby("feature_id")["catalog_cargo"].agg(
            lambda s: "; ".join(sorted(set(s)))
        )
    rows["catalog"] = rows["feature_id"].map(names).fillna("")
    if "gene_name" not in rows.columns:
        rows["gene_name"] = ""
    rows["gene_name"] = rows["gene_name"].fillna("")
    return rows[TOP_HIT_COLUMNS].reset_index(drop=True), bool(significant.any())


def known_cargo(cargo: pd.DataFrame) -> pd.DataFrame:
    """Catalog claims matched by measured features of one contrast, for the report.

    Claims whose context fits the contrast come first, then significant features, then by
    adjusted p-value. Adds the readable review name.
    """
    if cargo.empty:
        return cargo.assign(review_name=pd.Series(dtype=str), review_short=pd.Series(dtype=str))
    known = cargo[cargo["in_catalog"]].copy()
    known["fits"] = known["context_fits"] == "yes"
    known = known.sort_values(
        ["fits", "significant", "padj", "rna_class", "feature_id", "claim_id"],
        ascending=[False, False, True, True, True, True],
        na_position="last",
        kind="stable",
    )
    known["review_name"] = known["review"].map(review_label)
    known["review_short"] = [review_label(r, short=True) for r in known["review"]]
    return known.drop(columns=["fits"]).reset_index(drop=True)


def concordance_counts(known: pd.DataFrame) -> dict:
    """Claims fitting the contrast, by agreement of observed and reported direction."""
    fitting = known[known["context_fits"] == "yes"] if not known.empty else known
    counts = fitting["direction_agrees"].value_counts() if not fitting.empty else {}
    return {
        "claims": int(len(known)),
        "features": int(known["feature_id"].nunique()) if not known.empty else 0,
        "fitting": int(len(fitting)),
        "agree": int(counts.get("yes", 0)),
        "disagree": int(counts.get("no", 0)),
        "not_significant": int(counts.get("not_significant", 0)),
        "unknown": int(counts.get("unknown", 0)),
    }


def contrast_samples(
    sheet: pd.DataFrame, qc: pd.DataFrame, contrast: Mapping, library: str
) -> tuple[list[str], dict[str, str]]:
    """Samples of one library type in a contrast's two levels: used, and left out by QC."""
    levels = {contrast["case"], contrast["control"]}
    members = [
        s
        for s in sheet.index
        if sheet.loc[s, "library"] == library and sheet.loc[s, contrast["variable"]] in levels
    ]
    marked = qc.set_index("sample")
    excluded = {
        s: marked.loc[s, "reasons"]
        for s in members
        if s in marked.index and marked.loc[s, "excluded_from_de"] == "yes"
    }
    return [s for s in members if s not in excluded], excluded


def threshold_rows(
    fail: Mapping[str, float | None], warn: Mapping[str, float | None], criteria
) -> list[dict]:
    """The QC criteria with their fail and warn thresholds, for the report."""
    rows = []
    for criterion in criteria:
        rows.append(
            {
                "key": criterion.key,
                "library": criterion.library,
                "label": criterion.label,
                "bound": "at least" if criterion.bound == "min" else "at most",
                "fail": fail.get(criterion.key),
                "warn": warn.get(criterion.key),
            }
        )
    return rows


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def format_number(value, digits: int = 3) -> str:
    """Integers with thousands separators, other numbers to ``digits`` significant
    digits, missing values as an en dash."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, str):
        return value
    if float(value).is_integer() and abs(value) >= 1:
        return f"{int(value):,}"
    return f"{value:.{digits}g}"


def format_pvalue(value) -> str:
    """A p-value in scientific notation below 0.001."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.2e}" if value < 1e-3 else f"{value:.3f}"


def render(template: str | Path, context: Mapping) -> str:
    """Render the report template (autoescaped; an undefined name is an error)."""
    import jinja2

    template = Path(template)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template.parent)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["num"] = format_number
    environment.filters["pval"] = format_pvalue
    environment.filters["pct"] = lambda v: (
        "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.1f}%"
    )
    return environment.get_template(template.name).render(**context)


def detected_summary(detected: pd.DataFrame, limit: int) -> list[dict]:
    """One row per detected catalog molecule (its claims joined), most widely detected
    first, at most ``limit`` rows: what the report lists of results/cargo/detected.tsv."""
    if detected.empty:
        return []
    grouped = detected.groupby(["rna_class", "feature_id"], sort=False).agg(
        gene_name=("gene_name", "first"),
        libraries_detected=("libraries_detected", "first"),
        libraries=("libraries", "first"),
        mean_count=("mean_count", "first"),
        cargo=("catalog_cargo", lambda names: ", ".join(dict.fromkeys(names))),
        contexts=("catalog_context", lambda names: ", ".join(dict.fromkeys(names))),
        claims=("claim_id", "count"),
    )
    rows = grouped.reset_index().head(limit)
    return rows.astype(object).where(rows.notna(), None).to_dict(orient="records")

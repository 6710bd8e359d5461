"""A plain-text summary of the catalog: how many claims and molecules it holds, by kind."""

from __future__ import annotations

from typing import Iterable, NamedTuple

import pandas as pd

# Display order of the catalog's rna_class and context values.
RNA_CLASS_ORDER = ["miRNA", "lncRNA", "circRNA", "mRNA/protein", "other"]
CONTEXT_ORDER = ["drug_resistance", "metastasis", "immune", "biomarker"]


class _Breakdown(NamedTuple):
    """One claims/molecules table of the summary."""

    column: str  # catalog column the claims are grouped by
    title: str
    order: list[str] | None  # display order of its values; None: sorted
    rna_class: str | None = None  # only the claims of this catalog rna_class


_BREAKDOWNS = (
    _Breakdown("rna_class", "RNA class", RNA_CLASS_ORDER),
    _Breakdown("context", "context", CONTEXT_ORDER),
    _Breakdown("review", "review", None),
    _Breakdown("measurable_by_seq", "measurable by sequencing", ["yes", "proxy", "no"]),
    _Breakdown(
        "id_type",
        "miRNA identifier",
        ["mirna_mature", "mirna_arm_unspecified", "mirna_family", "mirna_not_in_mirbase22"],
        rna_class="miRNA",
    ),
)


def summarise(cat: pd.DataFrame) -> str:
    """Return a plain-text summary: claims and distinct molecules (canonical_id) per RNA class, context and review.

    Also breaks miRNA claims down by identifier type and RNA classes by measurability, so a
    reader sees how much of the catalog sequencing can observe.
    """
    lines = [
        "exocargo cargo catalog",
        f"claims: {len(cat)}; distinct molecules (canonical_id): {cat['canonical_id'].nunique()}; "
        f"reviews: {cat['review'].nunique()}",
        "",
    ]
    for breakdown in _BREAKDOWNS:
        rows = cat if breakdown.rna_class is None else cat[cat["rna_class"] == breakdown.rna_class]
        lines += [*_count_table(rows, breakdown.column, breakdown.title, breakdown.order), ""]
    lines += ["claims by context and RNA class", _context_by_class(cat)]
    return "\n".join(lines) + "\n"


def _count_table(
    cat: pd.DataFrame, column: str, title: str, order: Iterable[str] | None = None
) -> list[str]:
    """Lines of a claims/molecules table grouped by one column, with a total line."""
    groups = cat.groupby(column, sort=True)
    keys = list(order) if order is not None else sorted(groups.groups)
    keys = [key for key in keys if key in groups.groups]
    width = max([len(title)] + [len(str(key)) for key in keys])
    lines = [f"{title:<{width}}  {'claims':>6}  {'molecules':>9}"]
    for key in keys:
        group = groups.get_group(key)
        lines.append(
            f"{key:<{width}}  {len(group):>6}  {group['canonical_id'].nunique():>9}"
        )
    lines.append(
        f"{'total':<{width}}  {len(cat):>6}  {cat['canonical_id'].nunique():>9}"
    )
    return lines


def _context_by_class(cat: pd.DataFrame) -> str:
    """Claims per context (rows) and RNA class (columns), in display order."""
    crosstab = pd.crosstab(cat["context"], cat["rna_class"])
    crosstab = crosstab.reindex(
        index=[c for c in CONTEXT_ORDER if c in crosstab.index],
        columns=[c for c in RNA_CLASS_ORDER if c in crosstab.columns],
    )
    return crosstab.to_string()

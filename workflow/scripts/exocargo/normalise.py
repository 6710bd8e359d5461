"""Counts per million: the count matrices scaled by each library's sequencing depth.

Which depth: a library's reads assigned to any annotation of its library type, as the QC
table counts them (``annotated_reads`` of a small-RNA library: reads on any cascade step
but the genome; ``assigned_reads`` of a long-RNA library: fragments featureCounts assigned
to a gene), so that a class's CPM moves when the class's share of the library moves. For
miRNAs the share of the miRNA reads themselves (reads per million miRNA reads, what miRge3
and exceRpt report as RPM) is written beside it. These are for reading and plotting; the
differential-expression tests use DESeq2's own size factors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# QC table column holding each library type's depth for CPM.
DEPTH_COLUMN = {"small": "annotated_reads", "long": "assigned_reads"}


def per_million(counts: pd.DataFrame, depth: pd.Series) -> pd.DataFrame:
    """``counts`` (feature x library, optional gene_name column kept as is) per million of
    each library's ``depth``; a library of depth 0 or unknown gets NA."""
    names = counts[["gene_name"]] if "gene_name" in counts.columns else None
    reads = counts.drop(columns=["gene_name"], errors="ignore").astype(float)
    scale = pd.to_numeric(depth.reindex(reads.columns), errors="coerce")
    scale = scale.where(scale > 0, np.nan) / 1e6
    cpm = reads.div(scale, axis=1)
    return cpm if names is None else pd.concat([names, cpm], axis=1)


def library_depth(qc_table: pd.DataFrame, library: str) -> pd.Series:
    """Depth of every library of one type, by sample, from the QC table."""
    rows = qc_table.set_index("sample")
    return rows.loc[rows["library"] == library, DEPTH_COLUMN[library]]


def class_totals(counts: pd.DataFrame) -> pd.Series:
    """Each library's total over the class (the denominator of reads per million miRNAs)."""
    return counts.drop(columns=["gene_name"], errors="ignore").sum(axis=0)

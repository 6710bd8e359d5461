"""Library strandedness inferred from STAR's per-gene counts (ReadsPerGene.out.tab).

STAR run with --quantMode GeneCounts counts reads per gene three ways: column 2 ignores
the strand, column 3 counts reads whose read 1 lies on the gene's strand (a forward-
stranded library, htseq-count -s yes), column 4 reads whose read 1 lies on the opposite
strand (a reverse-stranded library such as dUTP/TruSeq Stranded, htseq-count -s reverse).
Summed over genes, columns 3 and 4 tell the library type: one of them dominates in a
stranded library, they are about equal in an unstranded one.

Thresholds (of the reads assigned in column 3 or 4): reverse when column 4 holds at least
STRANDED_MIN (0.8) of them, forward when column 3 does, none when both lie within
UNSTRANDED_RANGE (0.4-0.6), ambiguous otherwise or when fewer than MIN_ASSIGNED reads are
assigned. The 0.8 / 0.4-0.6 cut-offs are the usual reading of RSeQC infer_experiment;
real stranded kits give 0.9 and more, unstranded ones 0.5 +- 0.02.

Written by hand: it reads one small STAR table, which no library parses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

STRANDED_MIN = 0.8
UNSTRANDED_RANGE = (0.4, 0.6)
MIN_ASSIGNED = 500
CALLS = ("reverse", "forward", "none", "ambiguous")
SUMMARY_ROWS = ("N_unmapped", "N_multimapping", "N_noFeature", "N_ambiguous")

# featureCounts -s: 0 unstranded, 1 stranded, 2 reversely stranded. An ambiguous library is
# counted unstranded: either stranded setting would drop the reads on its minority strand.
FEATURECOUNTS_STRAND = {"none": 0, "forward": 1, "reverse": 2, "ambiguous": 0}
# ReadsPerGene.out.tab column (1-based) holding the counts of each library type.
STAR_GENECOUNTS_COLUMN = {"none": 2, "forward": 3, "reverse": 4, "ambiguous": 2}


@dataclass(frozen=True)
class StrandednessCall:
    """Inferred library type with the evidence behind it."""

    call: str  # reverse, forward, none or ambiguous
    forward_fraction: float  # column 3 / (column 3 + column 4); NaN without reads
    reverse_fraction: float  # column 4 / (column 3 + column 4); NaN without reads
    assigned: int  # reads in column 3 plus column 4

    def as_dict(self) -> dict:
        """The call as a plain dict (for a TSV row or a JSON log)."""
        return {
            "strandedness": self.call,
            "forward_fraction": self.forward_fraction,
            "reverse_fraction": self.reverse_fraction,
            "assigned": self.assigned,
        }


def read_reads_per_gene(path: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a STAR ReadsPerGene.out.tab into (gene counts, summary rows).

    Both tables have columns unstranded, forward, reverse; the gene table is indexed by
    gene id, the summary by N_unmapped, N_multimapping, N_noFeature and N_ambiguous.
    Raises ValueError naming the file when a line does not have four columns of counts.
    """
    table = pd.read_csv(path, sep="\t", header=None, dtype=str, keep_default_na=False, comment=None)
    if table.shape[1] != 4:
        raise ValueError(
            f"{path}: expected 4 tab-separated columns (gene, unstranded, forward, reverse) "
            f"as STAR --quantMode GeneCounts writes, found {table.shape[1]}"
        )
    table.columns = ["gene_id", "unstranded", "forward", "reverse"]
    counts = table.set_index("gene_id")
    try:
        counts = counts.astype("int64")
    except ValueError as error:
        raise ValueError(f"{path}: non-integer count ({error})") from None
    is_summary = counts.index.isin(SUMMARY_ROWS)
    return counts[~is_summary], counts[is_summary]


def classify_fractions(
    forward: int, reverse: int, min_assigned: int = MIN_ASSIGNED
) -> StrandednessCall:
    """Library type from read counts on the gene's strand (forward) and opposite (reverse)."""
    assigned = int(forward) + int(reverse)
    if assigned == 0:
        return StrandednessCall("ambiguous", float("nan"), float("nan"), 0)
    forward_fraction = forward / assigned
    reverse_fraction = reverse / assigned
    if assigned < min_assigned:
        call = "ambiguous"
    elif reverse_fraction >= STRANDED_MIN:
        call = "reverse"
    elif forward_fraction >= STRANDED_MIN:
        call = "forward"
    elif UNSTRANDED_RANGE[0] <= forward_fraction <= UNSTRANDED_RANGE[1]:
        call = "none"
    else:
        call = "ambiguous"
    return StrandednessCall(call, forward_fraction, reverse_fraction, assigned)


def infer_strandedness(
    reads_per_gene: str | os.PathLike | pd.DataFrame, min_assigned: int = MIN_ASSIGNED
) -> StrandednessCall:
    """Infer the library type from a ReadsPerGene.out.tab (path or gene table).

    Sums columns 3 (forward) and 4 (reverse) over genes and applies the thresholds of the
    module docstring.
    """
    if isinstance(reads_per_gene, pd.DataFrame):
        genes = reads_per_gene
    else:
        genes, _ = read_reads_per_gene(reads_per_gene)
    return classify_fractions(
        int(genes["forward"].sum()), int(genes["reverse"].sum()), min_assigned
    )


def featurecounts_strand(strandedness: str) -> int:
    """featureCounts -s value for a library type (ambiguous is counted unstranded)."""
    try:
        return FEATURECOUNTS_STRAND[strandedness]
    except KeyError:
        raise ValueError(f"strandedness must be one of {CALLS}, got {strandedness!r}") from None


def resolve_strandedness(declared: str, inferred: StrandednessCall) -> str:
    """The library type to use: the sample sheet's value when given, else the inferred one.

    An ambiguous inference is used as "none" (unstranded), the only setting that keeps every
    read; the caller should log the fractions so that the user can declare the type.
    """
    if declared:
        if declared not in CALLS[:3]:
            raise ValueError(f"declared strandedness must be one of {CALLS[:3]}, got {declared!r}")
        return declared
    return "none" if inferred.call == "ambiguous" else inferred.call

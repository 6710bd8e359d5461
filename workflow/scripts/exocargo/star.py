"""STAR's settings: the index size formula and the options of the two alignment runs.

The one home of every STAR option the pipeline sets itself; the rules (through the run plan)
and the tests that align with STAR both take them from here.
"""

from __future__ import annotations

import math

# Options that make STAR write back-splice candidates to Chimeric.out.junction as circRNA
# callers read them (old-style detection, Junctions output, uniquely placed chimeras).
CHIMERIC_OUTPUT = ("--chimOutType", "Junctions", "--chimMultimapNmax", "0")
# Without these, spliced alignments with a few bases over an annotated junction, and
# chance junctions that the first pass of --twopassMode Basic inserts as if annotated,
# outscore the chimeric alignment of back-spliced reads (measured on the demo: a quarter
# of one circRNA's split reads lost).
SPLICE_OPTIONS = (
    "--alignSJDBoverhangMin", "10", "--alignSJoverhangMin", "10",
    "--outSJfilterOverhangMin", "30", "30", "30", "30",
)
# Second STAR run on the pairs the main run left unmapped (--outReadsUnmapped Fastx). In
# joint paired-end mode STAR pairs a mate with a chance 7-20 nt match of the other mate's
# piece across the junction and then rejects the chimera: 9% of the demo's BSJ fragments
# are lost without this run. Close mates only and long seeds stop those pairings;
# restricting the mate gap is harmless here because these pairs did not align linearly.
RESCUE_OPTIONS = ("--alignMatesGapMax", "1000", "--seedMapMin", "20", "--outSAMtype", "None")


def sa_index_nbases(genome_length: int) -> int:
    """--genomeSAindexNbases for a genome of ``genome_length`` bases.

    The STAR manual's min(14, log2(GenomeLength)/2 - 1), rounded down, and at least 4 so
    that a tiny test genome still indexes.
    """
    length = max(int(genome_length), 1)
    return max(4, min(14, int(math.log2(length) / 2 - 1)))


def chimeric_options(chim_segment_min: int, chim_junction_overhang_min: int) -> list[str]:
    """Options of the main alignment that report back-splice candidates.

    The segment and overhang minimums come from the config (longrna.star), the rest is
    fixed: see CHIMERIC_OUTPUT and SPLICE_OPTIONS.
    """
    return [
        "--chimSegmentMin", str(chim_segment_min),
        "--chimJunctionOverhangMin", str(chim_junction_overhang_min),
        *CHIMERIC_OUTPUT,
        *SPLICE_OPTIONS,
    ]


def rescue_options(chim_segment_min: int, chim_junction_overhang_min: int) -> list[str]:
    """Options of the second run on the unmapped pairs: the main run's, plus RESCUE_OPTIONS."""
    return [*chimeric_options(chim_segment_min, chim_junction_overhang_min), *RESCUE_OPTIONS]

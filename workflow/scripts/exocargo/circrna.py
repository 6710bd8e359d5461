"""Back-splice junction (BSJ) calling from STAR chimeric junctions, and linear (FSJ) counts.

A circRNA shows in RNA-seq as a back-splice: the end of a downstream exon joined to the
start of an upstream exon of the same gene. STAR run with chimeric detection writes such
reads to Chimeric.out.junction; this module turns that file into per-sample circRNA counts
(fragments, each counted once), counts the linear reads spliced at the same splice sites
from the alignment BAM, and merges samples into a circRNA x sample matrix.

Written by hand: the maintained callers that read STAR's chimeric output (CIRCexplorer2,
DCC) are command-line pipelines with their own annotation inputs, not libraries; the few
rules needed here are spelled out below and tested against simulated truth.

Coordinates: a circRNA is (chrom, start, end, strand) in BED convention, start = 0-based
first base of the first circularised exon, end = 0-based exclusive end of the last one,
exactly as in a BED6 of known circRNAs (circBase, or the demo's circrna.bed).

Which fragments count (``classify_junctions``); the rules follow the definition of a BSJ
fragment: one read holds at least ``min_anchor`` bases on each side of the junction, or
the junction lies between the two reads, each wholly on its side.

- split fragments (junction types 1 = GT/AG and 2 = CT/AC, in the orientation STAR
  reports, which is that of read 1): both sides on one chromosome and strand; a
  back-splice (the donor lies downstream of the acceptor in the direction of
  transcription); span ``end - start`` within limits; at least ``min_anchor`` aligned
  bases of the crossing read on each side of the junction; every aligned block of both
  reads inside the circle. The circRNA strand comes from the motif: type 1 is GT/AG on
  the reported strand, type 2 GT/AG on the other one. In a stranded library the strand
  the library gives must agree (status strand_conflict otherwise).
- mate-spanning fragments (type -1: the junction lies between the reads, so where
  exactly is unknown): counted only for a back-splice supported by a split fragment of
  the same sample (or of another sample, given as ``support``), when both reads lie inside
  that circle, face outwards as a back-splice does, and do not reach past the circle's
  edges, soft-clipped bases included. A read aligned or clipped past an edge crosses the
  junction with a short piece, which does not place it. The strand comes from the library
  (read 1 is antisense in a reverse-stranded library, sense in a forward one; both
  strands are tried for an unstranded library). When nested circles can all hold the
  reads, the smallest one wins (it puts the junction closest to the reads, the shortest
  fragment); a tie is ambiguous and not counted. A nested circle that lacks support would
  pass its fragments to the circle around it: hence the cohort-wide ``support``.
- a read name that yields different back-splices is ambiguous and is not counted; one
  that appears more than once with the same back-splice is counted once. Several
  junction files of one sample (a main alignment, then a rescue alignment of the pairs it
  left unmapped) are read in priority order: the first file that counts a fragment decides.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from typing import Iterable, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd

LOG = logging.getLogger(__name__)

JUNCTION_COLUMNS = (
    "donor_chrom",
    "donor_pos",
    "donor_strand",
    "acceptor_chrom",
    "acceptor_pos",
    "acceptor_strand",
    "junction_type",
    "repeat_left",
    "repeat_right",
    "read_name",
    "segment1_start",
    "segment1_cigar",
    "segment2_start",
    "segment2_cigar",
)
_INT_COLUMNS = (
    "donor_pos",
    "acceptor_pos",
    "junction_type",
    "repeat_left",
    "repeat_right",
    "segment1_start",
    "segment2_start",
)
STRANDEDNESS = ("reverse", "forward", "none")
CIRCLE_COLUMNS = ["chrom", "start", "end", "strand"]
FRAGMENT_COLUMNS = ["read_name", *CIRCLE_COLUMNS, "evidence", "status"]
COUNT_COLUMNS = [*CIRCLE_COLUMNS, "bsj", "bsj_split", "bsj_mates"]
SAMPLE_COLUMNS = [
    "circ_id",
    *CIRCLE_COLUMNS,
    "known",
    "bsj",
    "bsj_split",
    "bsj_mates",
    "fsj_start",
    "fsj_end",
    "fsj",
    "ratio",
]

DEFAULT_MIN_SPAN = 100
DEFAULT_MAX_SPAN = 100_000
DEFAULT_MIN_ANCHOR = 20
# Bases a read may reach past a circle's edge and still be read as crossing its junction
# with a short piece (below the anchor length, hence not counted).
JUNCTION_SLACK = 5

_FLIP = {"+": "-", "-": "+"}
_CIGAR = re.compile(r"(-?\d+)([MIDNSHP=Xp])")
_CIGAR_FULL = re.compile(r"(?:-?\d+[MIDNSHP=Xp])+")


# ---------------------------------------------------------------------------------------
# Chimeric.out.junction
# ---------------------------------------------------------------------------------------
def read_chimeric_junctions(path: str | os.PathLike) -> pd.DataFrame:
    """Read the first 14 columns of a STAR Chimeric.out.junction file.

    Comment lines ("#", e.g. the "# Nreads" summary STAR 2.7 appends) and the column
    header STAR writes with --chimMultimapNmax > 0 ("chr_donorA ...") are skipped; further
    columns of newer STAR versions are ignored. Positions are 1-based as STAR writes them.
    """
    rows = []
    with open(path) as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#") or line.startswith("chr_donorA"):
                continue
            fields = line.split("\t")
            if len(fields) < len(JUNCTION_COLUMNS):
                raise ValueError(
                    f"{path}, line {number}: {len(fields)} tab-separated columns, expected at "
                    f"least {len(JUNCTION_COLUMNS)} (STAR Chimeric.out.junction format)"
                )
            rows.append(fields[: len(JUNCTION_COLUMNS)])
    table = pd.DataFrame(rows, columns=list(JUNCTION_COLUMNS))
    for column in _INT_COLUMNS:
        table[column] = table[column].astype(np.int64)
    return table


class Block(NamedTuple):
    """An aligned block of a read: a 0-based half-open genome interval."""

    start: int
    end: int


def parse_cigar(start: int, cigar: str) -> list[dict]:
    """Alignment of each read (mate) in one chimeric segment, in the order STAR writes them.

    ``start`` is STAR's 1-based first base of the segment and ``cigar`` its CIGAR with the
    "p" operation for the gap between mates (negative when mates overlap). Returns one dict
    per mate with aligned bases: ``blocks`` (0-based half-open genome intervals, in genome
    order), ``aligned`` (M/=/X bases), ``clip_left`` and ``clip_right`` (soft-clipped bases
    at the left and right end on the genome). A mate without aligned bases in this segment
    is left out.
    """
    if not _CIGAR_FULL.fullmatch(cigar):
        raise ValueError(f"not a chimeric CIGAR: {cigar!r}")
    position = start - 1
    mates = [{"blocks": [], "aligned": 0, "clip_left": 0, "clip_right": 0}]
    for length_text, op in _CIGAR.findall(cigar):
        length = int(length_text)
        mate = mates[-1]
        if op in "M=X":
            mate["blocks"].append(Block(position, position + length))
            mate["aligned"] += length
            position += length
        elif op in "DN":
            position += length
        elif op == "S":
            mate["clip_right" if mate["blocks"] else "clip_left"] += length
        elif op == "p":
            position += length
            mates.append({"blocks": [], "aligned": 0, "clip_left": 0, "clip_right": 0})
    return [mate for mate in mates if mate["blocks"]]


def _extent(segments: Iterable[list[dict]]) -> tuple[int, int]:
    blocks = [b for mates in segments for mate in mates for b in mate["blocks"]]
    return min(b.start for b in blocks), max(b.end for b in blocks)


def _crossing_read_sides(first: list[dict], second: list[dict]) -> tuple[int, int]:
    """Aligned bases of the junction-crossing read on either side of a split junction.

    In a segment holding one read, that read is the crossing one; in a segment holding both,
    the crossing read is the one with more soft-clipped bases (its other part lies in the
    other segment).
    """

    def part(mates):
        if len(mates) == 1:
            return mates[0]["aligned"]
        return max(mates, key=lambda m: m["clip_left"] + m["clip_right"])["aligned"]

    return part(first), part(second)


def _junction_reach(first: list[dict], second: list[dict], reported: str) -> tuple[int, int]:
    """How far the reads of a mate-spanning fragment reach towards the circle's two edges.

    In the reported orientation the first segment runs into the junction and the second
    leaves it; on "+" the first segment faces the circle's end and the second its start, on
    "-" the other way round. Soft-clipped bases count: they are read bases an aligner did
    not place. Returns (lowest genome position reached on the start side, highest position
    reached on the end side, exclusive).
    """
    start_side, end_side = (second, first) if reported == "+" else (first, second)
    leftmost, rightmost = start_side[0], end_side[-1]
    low = leftmost["blocks"][0].start - leftmost["clip_left"]
    high = rightmost["blocks"][-1].end + rightmost["clip_right"]
    return low, high


def backsplice_interval(strand: str, donor_pos: int, acceptor_pos: int) -> tuple[int, int]:
    """Circle (start, end) in BED coordinates from STAR's donor and acceptor positions.

    STAR gives the first intron base next to each exon, 1-based, in the reported
    orientation. On "+" the donor exon ends at donor_pos - 1 and the acceptor exon starts at
    acceptor_pos + 1; on "-" mirrored. The result is a back-splice when start < end (a
    forward splice gives start >= end); the same circle comes out whichever orientation
    STAR reported.
    """
    if strand == "+":
        return acceptor_pos, donor_pos - 1
    return donor_pos, acceptor_pos - 1


def _library_strand(reported: str, strandedness: str) -> str | None:
    """RNA strand of a fragment whose read 1 aligns on ``reported``; None if unstranded."""
    if strandedness == "reverse":
        return _FLIP[reported]
    if strandedness == "forward":
        return reported
    return None


def _check_strandedness(strandedness: str) -> None:
    if strandedness not in STRANDEDNESS:
        raise ValueError(f"strandedness must be one of {STRANDEDNESS}, got {strandedness!r}")


class Circle(NamedTuple):
    """A back-splice: chrom, start, end (BED) and strand; UNPLACED when there is none."""

    chrom: str | None
    start: int
    end: int
    strand: str | None

    @property
    def span(self) -> int:
        return self.end - self.start


UNPLACED = Circle(None, -1, -1, None)


class Outcome(NamedTuple):
    """What one junction line says about its fragment: a status, and the circle if any.

    ``priority`` is the position of the line's junction file (earlier files decide)."""

    priority: int
    status: str
    evidence: str  # "split" or "mates"
    circle: Circle = UNPLACED


class MateSpanning(NamedTuple):
    """A mate-spanning line waiting for the circles that split reads support.

    (low, high) is the genome extent of both reads' aligned blocks, (reach_low,
    reach_high) how far they reach towards the circle's edges, clips included."""

    priority: int
    read_name: str
    chrom: str
    reported: str  # the strand STAR reports (that of read 1)
    low: int
    high: int
    reach_low: int
    reach_high: int


@dataclass(frozen=True)
class CallRules:
    """The settings of ``classify_junctions``."""

    strandedness: str = "reverse"
    min_span: int = DEFAULT_MIN_SPAN
    max_span: int = DEFAULT_MAX_SPAN
    min_anchor: int = DEFAULT_MIN_ANCHOR


def classify_junctions(
    junctions: pd.DataFrame | Sequence[pd.DataFrame],
    strandedness: str = "reverse",
    min_span: int = DEFAULT_MIN_SPAN,
    max_span: int = DEFAULT_MAX_SPAN,
    min_anchor: int = DEFAULT_MIN_ANCHOR,
    support: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Decide for every fragment (read name) whether it supports a back-splice, and which.

    ``junctions`` is one table from ``read_chimeric_junctions`` or several in priority order
    (e.g. the main alignment, then a rescue alignment of the pairs it left unmapped): a
    fragment counted in an earlier table keeps that call, and split fragments of every table
    support mate-spanning ones. ``support`` (chrom, start, end, strand) adds circles that
    mate-spanning fragments may go to although this sample has no split read for them: the
    circles split reads support anywhere in the cohort (``split_supported``), so that a
    nested circle seen only through mate pairs here is not mistaken for the circle around
    it. Returns one row per read name, in order of first appearance,
    with columns read_name, chrom, start, end, strand, evidence ("split" or "mates") and
    status: "bsj" for a counted fragment, otherwise the reason it is not counted
    (different_chromosomes, different_strands, non_canonical, forward_splice,
    strand_conflict, span, anchor, outside_circle, unsupported, ambiguous). The rules are in
    the module docstring.
    """
    _check_strandedness(strandedness)
    rules = CallRules(strandedness, min_span, max_span, min_anchor)
    tables = [junctions] if isinstance(junctions, pd.DataFrame) else list(junctions)
    outcomes: dict[str, list[Outcome]] = {}
    supported = _support_by_chromosome(support)
    mate_spanning: list[MateSpanning] = []
    for priority, table in enumerate(tables):
        for row in table.itertuples(index=False):
            call = _classify_line(row, priority, rules)
            if isinstance(call, MateSpanning):
                mate_spanning.append(call)
                continue
            outcomes.setdefault(row.read_name, []).append(call)
            if call.status == "bsj":
                supported.setdefault(call.circle.chrom, set()).add(call.circle)
    # Mate-spanning fragments, once every split-supported circle of the sample is known.
    for fragment in mate_spanning:
        outcome = _place_mate_spanning(fragment, supported, strandedness)
        outcomes.setdefault(fragment.read_name, []).append(outcome)
    rows = []
    for name, found in outcomes.items():
        decided = _decide(found)
        rows.append((name, *decided.circle, decided.evidence, decided.status))
    frame = pd.DataFrame(rows, columns=FRAGMENT_COLUMNS)
    return frame.astype({"start": np.int64, "end": np.int64})


def _support_by_chromosome(support: pd.DataFrame | None) -> dict[str, set[Circle]]:
    """The circles of ``support``, by chromosome."""
    supported: dict[str, set[Circle]] = {}
    if support is not None:
        for chrom, start, end, strand in support[CIRCLE_COLUMNS].itertuples(index=False):
            supported.setdefault(chrom, set()).add(Circle(chrom, int(start), int(end), strand))
    return supported


def _classify_line(row, priority: int, rules: CallRules) -> Outcome | MateSpanning:
    """The call of one Chimeric.out.junction line; a mate-spanning line that passes the
    checks of its own is returned as MateSpanning, to be placed by `_place_mate_spanning`."""
    evidence = "mates" if row.junction_type < 0 else "split"
    if row.donor_chrom != row.acceptor_chrom:
        return Outcome(priority, "different_chromosomes", evidence)
    if row.donor_strand != row.acceptor_strand:
        return Outcome(priority, "different_strands", evidence)
    if row.junction_type == 0 or row.junction_type > 2:
        return Outcome(priority, "non_canonical", evidence)
    start, end = backsplice_interval(row.donor_strand, row.donor_pos, row.acceptor_pos)
    if start >= end:
        return Outcome(priority, "forward_splice", evidence)
    first = parse_cigar(row.segment1_start, row.segment1_cigar)
    second = parse_cigar(row.segment2_start, row.segment2_cigar)
    if not first or not second:
        return Outcome(priority, "anchor", evidence)
    low, high = _extent((first, second))
    if evidence == "mates":
        reach_low, reach_high = _junction_reach(first, second, row.donor_strand)
        return MateSpanning(priority, row.read_name, row.donor_chrom, row.donor_strand,
                            low, high, reach_low, reach_high)
    strand = row.donor_strand if row.junction_type == 1 else _FLIP[row.donor_strand]
    circle = Circle(row.donor_chrom, start, end, strand)
    status = _split_status(circle, row.donor_strand, first, second, (low, high), rules)
    return Outcome(priority, status, evidence, circle)


def _split_status(
    circle: Circle,
    reported: str,
    first: list[dict],
    second: list[dict],
    extent: tuple[int, int],
    rules: CallRules,
) -> str:
    """Status of a split fragment on ``circle``: "bsj", or why it is not counted."""
    library = _library_strand(reported, rules.strandedness)
    if library is not None and library != circle.strand:
        return "strand_conflict"
    if not rules.min_span <= circle.span <= rules.max_span:
        return "span"
    if min(_crossing_read_sides(first, second)) < rules.min_anchor:
        return "anchor"
    low, high = extent
    if low < circle.start or high > circle.end:
        return "outside_circle"
    return "bsj"


def _place_mate_spanning(
    fragment: MateSpanning, supported: Mapping[str, set[Circle]], strandedness: str
) -> Outcome:
    """The supported circle a mate-spanning fragment goes to, or why it goes to none.

    Nested circles can all hold both reads; the smallest one puts the junction closest to
    the reads (the shortest fragment), the likeliest origin. A read that reaches past that
    circle's edge, aligned a few bases beyond it or soft-clipped there, crosses the
    junction with a short piece: the fragment does not place the junction.
    """
    strand = _library_strand(fragment.reported, strandedness)
    near = sorted(
        (
            circle
            for circle in supported.get(fragment.chrom, ())
            if (strand is None or circle.strand == strand)
            and circle.start - JUNCTION_SLACK <= fragment.low
            and fragment.high <= circle.end + JUNCTION_SLACK
        ),
        key=lambda circle: (circle.span, circle),
    )
    if not near:
        return Outcome(fragment.priority, "unsupported", "mates")
    smallest = near[0]
    if len(near) > 1 and near[1].span == smallest.span:
        return Outcome(fragment.priority, "ambiguous", "mates")
    if smallest.start <= fragment.reach_low and fragment.reach_high <= smallest.end:
        return Outcome(fragment.priority, "bsj", "mates", smallest)
    return Outcome(fragment.priority, "anchor", "mates")


def _decide(found: list[Outcome]) -> Outcome:
    """One fragment's call from the outcomes of its lines.

    The counted outcomes of the first junction file that counts the fragment decide; when
    they place it on different circles it is ambiguous. A fragment no line counts takes
    the outcome of its first line.
    """
    counted = [o for o in found if o.status == "bsj"]
    if not counted:
        return found[0]
    first = min(o.priority for o in counted)
    counted = [o for o in counted if o.priority == first]
    if len({o.circle for o in counted}) > 1:
        return Outcome(first, "ambiguous", counted[0].evidence)
    return counted[0]


def count_backsplices(fragments: pd.DataFrame) -> pd.DataFrame:
    """Fragments per back-splice from ``classify_junctions`` output (status "bsj" only).

    Columns chrom, start, end, strand, bsj (all fragments), bsj_split, bsj_mates; rows
    sorted by coordinates.
    """
    counted = fragments[fragments["status"] == "bsj"]
    if counted.empty:
        return pd.DataFrame(columns=COUNT_COLUMNS).astype(
            {
                "start": np.int64,
                "end": np.int64,
                "bsj": np.int64,
                "bsj_split": np.int64,
                "bsj_mates": np.int64,
            }
        )
    table = (
        counted.assign(
            bsj_split=(counted["evidence"] == "split").astype(np.int64),
            bsj_mates=(counted["evidence"] == "mates").astype(np.int64),
        )
        .groupby(CIRCLE_COLUMNS, sort=True)[["bsj_split", "bsj_mates"]]
        .sum()
        .reset_index()
    )
    table["bsj"] = table["bsj_split"] + table["bsj_mates"]
    return table[COUNT_COLUMNS].reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# Linear (forward-splice) reads at the circle's splice sites
# ---------------------------------------------------------------------------------------
def _fragment_strand(read, strandedness: str) -> str | None:
    """RNA strand of the fragment a read belongs to; None when the library cannot tell."""
    if strandedness == "none":
        if read.has_tag("XS"):
            return read.get_tag("XS")
        return None
    first = read.is_read1 or not read.is_paired
    sense = first == (strandedness == "forward")
    on_reverse = read.is_reverse
    return ("-" if on_reverse else "+") if sense else ("+" if on_reverse else "-")


def count_forward_splices(
    bam_path: str | os.PathLike, circles: pd.DataFrame, strandedness: str = "reverse"
) -> pd.DataFrame:
    """Linear fragments spliced into the circle's first base or out of its last base.

    For each circle (chrom, start, end, strand) counts fragments with an intron (CIGAR N)
    ending at ``start`` (fsj_start) and fragments with an intron beginning at ``end``
    (fsj_end), from a coordinate-sorted, indexed BAM. Secondary, supplementary, unmapped,
    QC-failed and multi-mapped (NH > 1) records are skipped; a fragment counts once per
    site, and once in ``fsj`` even when it crosses both sites. In a stranded library only
    fragments from the circle's strand count. Returns the circles with fsj_start, fsj_end
    and fsj added.
    """
    import pysam  # imported here so that the rest of the module works without pysam

    _check_strandedness(strandedness)
    out = circles[CIRCLE_COLUMNS].copy().reset_index(drop=True)
    fsj_start, fsj_end, fsj = [], [], []
    with pysam.AlignmentFile(str(bam_path), "rb") as bam:
        references = set(bam.references)
        for circle in out.itertuples(index=False):
            names = {"start": set(), "end": set()}
            if circle.chrom in references:
                for site, (lo, hi) in (
                    ("start", (circle.start, circle.start + 1)),
                    ("end", (circle.end - 1, circle.end)),
                ):
                    for read in bam.fetch(circle.chrom, lo, hi):
                        if (
                            read.is_unmapped
                            or read.is_secondary
                            or read.is_supplementary
                            or read.is_qcfail
                            or (read.has_tag("NH") and read.get_tag("NH") > 1)
                        ):
                            continue
                        strand = _fragment_strand(read, strandedness)
                        if strand is not None and strand != circle.strand:
                            continue
                        if _has_intron_at(read, site, circle.start, circle.end):
                            names[site].add(read.query_name)
            fsj_start.append(len(names["start"]))
            fsj_end.append(len(names["end"]))
            fsj.append(len(names["start"] | names["end"]))
    out["fsj_start"] = np.array(fsj_start, dtype=np.int64)
    out["fsj_end"] = np.array(fsj_end, dtype=np.int64)
    out["fsj"] = np.array(fsj, dtype=np.int64)
    return out


def _has_intron_at(read, site: str, start: int, end: int) -> bool:
    position = read.reference_start
    for op, length in read.cigartuples or ():
        if op == 3:  # N
            if (site == "start" and position + length == start) or (
                site == "end" and position == end
            ):
                return True
        if op in (0, 2, 3, 7, 8):  # M, D, N, =, X advance on the reference
            position += length
    return False


def circular_ratio(bsj, fsj) -> np.ndarray:
    """Circular-to-linear ratio 2*BSJ / (2*BSJ + FSJ); NaN where both are zero.

    BSJ counts one junction, FSJ the linear reads at both of the circle's splice sites, hence
    the factor 2 (CIRIquant's junction ratio).
    """
    bsj = np.asarray(bsj, dtype=float)
    fsj = np.asarray(fsj, dtype=float)
    total = 2 * bsj + fsj
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 2 * bsj / np.where(total > 0, total, 1), np.nan)


# ---------------------------------------------------------------------------------------
# Known circRNAs
# ---------------------------------------------------------------------------------------
def read_known_circrnas(path: str | os.PathLike) -> pd.DataFrame:
    """Read a BED6 of known circRNAs (chrom, start, end, name, score, strand).

    Lines starting with "#", "track" or "browser" are skipped. Raises ValueError naming the
    line when it has fewer than six columns, a strand other than + or -, or when two names
    share one set of coordinates.
    """
    rows = []
    with open(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 6 or fields[5] not in ("+", "-"):
                raise ValueError(
                    f"{path}, line {number}: expected BED6 with strand + or - "
                    "(chrom, start, end, name, score, strand)"
                )
            rows.append((fields[0], int(fields[1]), int(fields[2]), fields[5], fields[3]))
    known = pd.DataFrame(rows, columns=[*CIRCLE_COLUMNS, "name"])
    duplicated = known.duplicated(CIRCLE_COLUMNS, keep=False)
    if duplicated.any():
        first = known[duplicated].iloc[0]
        raise ValueError(
            f"{path}: several names for {first['chrom']}:{first['start']}-{first['end']}"
            f"({first['strand']}); give each circRNA one line"
        )
    return known


def coordinate_id(chrom: str, start: int, end: int, strand: str) -> str:
    """Identifier of an unannotated circRNA: chrom:start-end:strand (BED coordinates)."""
    return f"{chrom}:{start}-{end}:{strand}"


def annotate_circrnas(circles: pd.DataFrame, known: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add circ_id and known: the known circRNA's name on an exact, strand-aware match.

    Unmatched circles get a coordinate id (``coordinate_id``) and known = False.
    """
    out = circles.copy()
    names: dict[tuple, str] = {}
    if known is not None:
        names = {
            (r.chrom, int(r.start), int(r.end), r.strand): r.name
            for r in known.itertuples(index=False)
        }
    keys = list(zip(out["chrom"], out["start"], out["end"], out["strand"]))
    out.insert(0, "circ_id", [names.get(k, coordinate_id(*k)) for k in keys])
    out.insert(5, "known", [k in names for k in keys])
    return out


# ---------------------------------------------------------------------------------------
# Per-sample table and cohort matrix
# ---------------------------------------------------------------------------------------
def sample_table(
    junction_paths: str | os.PathLike | Sequence[str | os.PathLike],
    bam_path: str | os.PathLike | None = None,
    known: pd.DataFrame | None = None,
    strandedness: str = "reverse",
    min_span: int = DEFAULT_MIN_SPAN,
    max_span: int = DEFAULT_MAX_SPAN,
    min_anchor: int = DEFAULT_MIN_ANCHOR,
    support: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """One sample's circRNAs: BSJ and FSJ counts, ratio and ids.

    Reads one STAR Chimeric.out.junction, or several in priority order (main alignment
    first, then the rescue alignment of its unmapped pairs), calls back-splices
    (``classify_junctions``), counts linear reads at the same sites from ``bam_path`` when
    given (otherwise the FSJ columns and the ratio are missing values) and annotates with
    ``known``. ``support`` is passed to ``classify_junctions``: give the cohort's
    split-supported circles (``split_supported`` of a first pass over all samples) to count
    mate-spanning fragments of circles whose split reads lie in other samples. Returns the
    table (columns SAMPLE_COLUMNS, sorted by coordinates) and the number of fragments per
    status.
    """
    if isinstance(junction_paths, (str, os.PathLike)):
        junction_paths = [junction_paths]
    junctions = [read_chimeric_junctions(path) for path in junction_paths]
    fragments = classify_junctions(
        junctions, strandedness, min_span, max_span, min_anchor, support=support
    )
    counts = count_backsplices(fragments)
    if bam_path is not None:
        linear = count_forward_splices(bam_path, counts, strandedness)
        for column in ("fsj_start", "fsj_end", "fsj"):
            counts[column] = linear[column].to_numpy()
        counts["ratio"] = circular_ratio(counts["bsj"], counts["fsj"])
    else:
        for column in ("fsj_start", "fsj_end", "fsj", "ratio"):
            counts[column] = pd.Series(np.nan, index=counts.index, dtype=float)
    table = annotate_circrnas(counts, known)[SAMPLE_COLUMNS]
    stats = {str(k): int(v) for k, v in fragments["status"].value_counts().sort_index().items()}
    LOG.info("%d circRNAs, fragments by status: %s", len(table), stats)
    return table, stats


def merge_samples(tables: Mapping[str, pd.DataFrame], column: str = "bsj") -> pd.DataFrame:
    """circRNA x sample matrix of ``column`` from per-sample tables (missing = 0).

    Rows are indexed by circ_id and sorted by coordinates; columns follow the order of
    ``tables``. Integer counts stay integers; for "ratio" missing entries stay NaN.
    """
    coordinates = circrna_coordinates(tables)
    matrix = pd.DataFrame(index=coordinates.index)
    for sample, table in tables.items():
        values = table.set_index("circ_id")[column]
        matrix[sample] = values.reindex(matrix.index)
    if column != "ratio":
        matrix = matrix.fillna(0).astype(np.int64)
    matrix.index.name = "circ_id"
    return matrix


def circrna_coordinates(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """circ_id -> chrom, start, end, strand, known over all samples, sorted by coordinates."""
    parts = [t[["circ_id", *CIRCLE_COLUMNS, "known"]] for t in tables.values()]
    if not parts:
        return pd.DataFrame(columns=[*CIRCLE_COLUMNS, "known"], index=pd.Index([], name="circ_id"))
    merged = pd.concat(parts).drop_duplicates("circ_id")
    clash = merged.duplicated(CIRCLE_COLUMNS, keep=False)
    if clash.any():
        raise ValueError("one circRNA carries different ids in different samples")
    merged = merged.sort_values(CIRCLE_COLUMNS, kind="mergesort")
    return merged.set_index("circ_id")


def split_supported(tables: Mapping[str, pd.DataFrame] | Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Circles with at least one split fragment in any of the per-sample tables.

    The union, sorted by coordinates (columns chrom, start, end, strand), to pass as
    ``support`` to a second ``sample_table`` pass over every sample.
    """
    frames = list(tables.values()) if isinstance(tables, Mapping) else list(tables)
    parts = [t.loc[t["bsj_split"] > 0, CIRCLE_COLUMNS] for t in frames]
    if not parts:
        return pd.DataFrame(columns=CIRCLE_COLUMNS)
    union = pd.concat(parts).drop_duplicates()
    return union.sort_values(CIRCLE_COLUMNS, kind="mergesort").reset_index(drop=True)


def host_genes(circles: pd.DataFrame, genes: pd.DataFrame) -> pd.Series:
    """Names of the genes that hold each circle: same chromosome and strand, span inside.

    ``circles`` has chrom, start, end, strand (BED); ``genes`` is exocargo.genes.gene_table.
    Several hosts (overlapping genes) are joined with ',' in gene-name order; a circle
    outside every gene gets ''. This is what the circRNA matrix carries as gene_name, like
    the host-gene column of CIRCexplorer and CIRI.
    """
    names = []
    by_place = {key: group for key, group in genes.groupby(["chrom", "strand"], sort=False)}
    for circle in circles[CIRCLE_COLUMNS].itertuples(index=False):
        group = by_place.get((circle.chrom, circle.strand))
        if group is None:
            names.append("")
            continue
        inside = (group["start"] <= circle.start) & (circle.end <= group["end"])
        names.append(",".join(sorted(group.loc[inside, "gene_name"])))
    return pd.Series(names, index=circles.index, dtype=object)


def filter_matrix(matrix: pd.DataFrame, min_reads: int = 2, min_samples: int = 1) -> pd.DataFrame:
    """Keep circRNAs with at least ``min_reads`` BSJ fragments in at least ``min_samples``."""
    keep = (matrix >= min_reads).sum(axis=1) >= min_samples
    return matrix[keep]

"""Deterministic simulator of exosomal long-RNA paired-end reads with planted truth.

A small synthetic genome (three random chromosomes) carries lncRNA and protein-coding genes
with GT-AG introns, and circRNAs formed by back-splicing of internal exons of host genes.
Paired-end reads of a reverse-stranded (dUTP) library are drawn from the spliced linear
transcripts and from the circular sequences, so that some circRNA fragments cross the
back-splice junction (BSJ). Expression follows a negative-binomial model over a 2x2 design
(resistance x metastasis, plus a balanced batch) with planted log2 fold changes; gene
counts, BSJ counts and fold changes are written beside the reads, so that alignment,
gene quantification, back-splice calling and differential expression can be checked
against what the reads really contain.

Nothing in here is a bioinformatics tool; it is written by hand because no maintained
library simulates circular and linear RNA together with a planted design.

Command line: ``python resources/demo/simulate_longrna.py --help``. Same arguments, same
bytes: the reference (genome, genes, circRNAs) comes from a fixed seed, every other random
draw from ``--seed``, and gzip headers carry no time stamp and no file name.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

import demo_common
from demo_common import (
    CONTRASTS,
    REPO_ROOT,
    reverse_complement,
    sheet_path,
    write_fasta,
    write_lines,
    write_tsv,
)

LOG = logging.getLogger("simulate_longrna")

DEFAULT_OUTDIR = REPO_ROOT / "resources" / "demo" / "longrna"
DEFAULT_SEED = 7
# The reference must not change with --seed: the pipeline indexes it, and the circRNA BED
# and GTF are inputs the user gives.
REFERENCE_SEED = 1_000_033

# ---------------------------------------------------------------------------------------
# Model parameters (documented in resources/demo/longrna/README.md)
# ---------------------------------------------------------------------------------------
CHROMOSOMES = (("chr1", 360_000), ("chr2", 280_000), ("chr3", 210_000))
MIN_INTERGENIC = 1_500  # the rest of each chromosome is spread as random gaps
EXON_LENGTH = (80, 300)
SINGLE_EXON_LENGTH = (400, 1_200)
INTRON_LENGTH = (120, 2_500)  # log-uniform
MIN_TRANSCRIPT = 300  # no fragment is longer, so every fragment fits its transcript
SINGLE_EXON_CIRCLE = (200, 300)  # a circle must hold a whole fragment of >= 150 nt
MIN_CIRCLE = 200

READ_LENGTH = 50
FRAGMENT_MEAN, FRAGMENT_SD = 220.0, 35.0
FRAGMENT_RANGE = (150, 300)  # never shorter than two reads: mates do not overlap
ERROR_RATE = 0.002
QUALITY_CHAR = "F"  # Phred+33, Q37, one value for all bases
# A read places the back-splice junction with at least this many bases on each side of it
# (see is_bsj_fragment).
MIN_BSJ_ANCHOR = 20
# A read counts as a linear forward-splice junction (FSJ) read with at least this many
# bases on each side of the junction; the aligner is run with the same minimum overhang on
# annotated junctions (STAR --alignSJDBoverhangMin 10).
FSJ_OVERHANG = 10

LIBRARY_SIZE_RANGE = (13_500, 16_500)  # fragments (read pairs) per sample
GENE_BASE_LOG_MEDIAN, GENE_BASE_LOG_SD = 28.0, 0.6
CIRCLE_BASE_LOG_MEDIAN, CIRCLE_BASE_LOG_SD = 50.0, 0.35
DE_MIN_BASE = 150.0  # genes; planted DE circRNAs get at least DE_MIN_BASE_CIRCLE
DE_MIN_BASE_CIRCLE = 110.0
# Host genes of planted-DE circRNAs that are not planted the same way themselves: linear
# expression high enough that the circle fragments a gene-level counter gives the host (those
# not crossing the junction) move the host's log2 fold change by at most this much, half a
# standard error. (With the fixed floor of 500 fragments this replaces, a 320-440 nt planted
# circle moved its null host by 0.15, and such hosts came out as false positives several
# times more often than other null genes.)
MAX_HOST_LOG2FC_BIAS = 0.1
DISPERSION_RANGE = (0.03, 0.08)
BATCH_LOG2_SD = 0.2


@dataclass(frozen=True)
class GeneSpec:
    """Layout of one gene: ``long_intron`` = (intron index in transcript order, length)."""

    name: str
    gene_type: str
    chrom: str
    strand: str
    n_exons: int
    long_intron: tuple[int, int] | None = None


# Genes named before the demo grew, in genome order per chromosome. Catalog molecules
# (cargo_catalog.tsv) carry their HGNC symbols; every other gene has a made-up SYN* name
# that matches nothing in the catalog.
NAMED_GENE_SPECS = (
    GeneSpec("H19", "lncRNA", "chr1", "-", 4),
    GeneSpec("SYNPC01", "protein_coding", "chr1", "+", 6),
    GeneSpec("SYNLNC01", "lncRNA", "chr1", "+", 1),
    GeneSpec("ABCB1", "protein_coding", "chr1", "-", 8),
    GeneSpec("SYNPC02", "protein_coding", "chr1", "-", 5),
    GeneSpec("UCA1", "lncRNA", "chr1", "+", 3),
    GeneSpec("SYNPC03", "protein_coding", "chr1", "+", 7, long_intron=(3, 30_000)),
    GeneSpec("SYNLNC02", "lncRNA", "chr1", "-", 2),
    GeneSpec("SYNPC04", "protein_coding", "chr1", "+", 4),
    GeneSpec("SYNLNC03", "lncRNA", "chr1", "-", 1),
    GeneSpec("SYNPC05", "protein_coding", "chr1", "-", 3),
    GeneSpec("CD274", "protein_coding", "chr2", "+", 6),
    GeneSpec("SYNLNC04", "lncRNA", "chr2", "+", 3),
    GeneSpec("SYNPC06", "protein_coding", "chr2", "-", 8),
    GeneSpec("SNHG14", "lncRNA", "chr2", "+", 6),
    GeneSpec("SYNPC07", "protein_coding", "chr2", "+", 1),
    GeneSpec("SYNPC08", "protein_coding", "chr2", "-", 5),
    GeneSpec("AGAP2-AS1", "lncRNA", "chr2", "-", 2),
    GeneSpec("SYNPC09", "protein_coding", "chr2", "+", 5),
    GeneSpec("SYNLNC05", "lncRNA", "chr2", "-", 4),
    GeneSpec("SYNPC10", "protein_coding", "chr2", "+", 4),
    GeneSpec("SYNPC11", "protein_coding", "chr2", "-", 1),
    GeneSpec("SYNLNC06", "lncRNA", "chr2", "+", 2),
    GeneSpec("HOTAIR", "lncRNA", "chr3", "-", 5),
    GeneSpec("BIRC5", "protein_coding", "chr3", "+", 4),
    GeneSpec("SYNPC12", "protein_coding", "chr3", "+", 6),
    GeneSpec("SYNLNC07", "lncRNA", "chr3", "-", 1),
    GeneSpec("SYNPC13", "protein_coding", "chr3", "-", 5),
    GeneSpec("SYNPC14", "protein_coding", "chr3", "+", 3),
    GeneSpec("SYNLNC08", "lncRNA", "chr3", "+", 3),
    GeneSpec("SYNPC15", "protein_coding", "chr3", "-", 4),
    GeneSpec("SYNLNC09", "lncRNA", "chr3", "+", 1),
    GeneSpec("SYNPC16", "protein_coding", "chr3", "-", 2),
)

# Filler genes: enough lncRNAs and protein-coding genes that each RNA class has a stable
# false discovery proportion (a single false positive among a handful of features would
# decide it) and a dispersion trend fitted on many features. Their number of exons, strand
# and chromosome come from FILLER_SEED; they are scattered among the named genes and named
# SYNLNCnn / SYNPCnn in genome order after the named ones.
FILLER_SEED = 1_000_037
N_FILLER_LNCRNA = 56  # SYNLNC10 ... SYNLNC65: 70 lncRNAs in all
N_FILLER_PROTEIN_CODING = 71  # SYNPC17 ... SYNPC87: 90 protein-coding genes in all
FILLER_EXONS = {  # drawn uniformly from these; lncRNAs have fewer exons
    "lncRNA": (1, 1, 2, 2, 3, 3, 4, 5),
    "protein_coding": (1, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8),
}


def lay_out_gene_specs(named=NAMED_GENE_SPECS, seed: int = FILLER_SEED) -> tuple[GeneSpec, ...]:
    """Named genes plus the filler genes, in genome order per chromosome.

    The named genes keep their order on their chromosome; each filler gets a chromosome,
    strand and exon count at random and a random place among them.
    """
    rng = np.random.default_rng(seed)
    chroms = [chrom for chrom, _ in CHROMOSOMES]
    fillers = []  # (chromosome, place in [0, 1), gene type, strand, exons)
    for gene_type, n in (("lncRNA", N_FILLER_LNCRNA), ("protein_coding", N_FILLER_PROTEIN_CODING)):
        for _ in range(n):
            chrom = chroms[int(rng.integers(len(chroms)))]
            place = float(rng.random())
            strand = "+" if rng.random() < 0.5 else "-"
            fillers.append((chrom, place, gene_type, strand, int(rng.choice(FILLER_EXONS[gene_type]))))
    prefix = {"lncRNA": "SYNLNC", "protein_coding": "SYNPC"}
    used = {t: sum(s.name.startswith(p) for s in named) for t, p in prefix.items()}
    specs = []
    for chrom in chroms:
        mine = [s for s in named if s.chrom == chrom]
        slots = [((i + 0.5) / len(mine), s) for i, s in enumerate(mine)]
        slots += [(place, filler) for c, place, *filler in fillers if c == chrom]
        for _, item in sorted(slots, key=lambda slot: slot[0]):
            if isinstance(item, GeneSpec):
                specs.append(item)
                continue
            gene_type, strand, n_exons = item
            used[gene_type] += 1
            name = f"{prefix[gene_type]}{used[gene_type]:02d}"
            specs.append(GeneSpec(name, gene_type, chrom, strand, n_exons))
    return tuple(specs)


GENE_SPECS = lay_out_gene_specs()

# circRNAs: (circBase-style id, host gene, exon numbers in transcript order, 1-based).
# Only internal exons circularise, so that linear splicing into the first circle exon and
# out of the last one (forward-splice junctions, FSJ) exists for every circle. Ids
# hsa_circ_0004771 and hsa_circ_0088088 are the review (catalog) circRNAs; hsa_circ_09xxxxx
# ids are made up (circBase numbering stops well below 0900000).
CIRCLE_SPECS = (
    ("hsa_circ_0004771", "SYNPC01", (2, 3)),
    ("hsa_circ_0900001", "SYNPC01", (4,)),
    ("hsa_circ_0900002", "SYNPC01", (3, 4, 5)),  # shares the acceptor-side exon 3
    ("hsa_circ_0088088", "SYNPC02", (3,)),
    ("hsa_circ_0900003", "ABCB1", (2, 3)),
    ("hsa_circ_0900004", "ABCB1", (3,)),  # same back-splice donor as hsa_circ_0900003
    ("hsa_circ_0900005", "SYNPC03", (3, 4)),  # spans the 30 kb intron
    ("hsa_circ_0900006", "CD274", (2, 3, 4)),
    ("hsa_circ_0900007", "SYNPC06", (4, 5)),
    ("hsa_circ_0900008", "SYNPC06", (7,)),
    ("hsa_circ_0900009", "SNHG14", (2, 3)),
    ("hsa_circ_0900010", "SYNPC09", (2,)),
    ("hsa_circ_0900011", "SYNPC12", (3, 4)),
    ("hsa_circ_0900012", "SYNPC13", (2, 3, 4)),
    ("hsa_circ_0900013", "SYNPC15", (2, 3)),
    # Added with the filler genes. Hosts of the planted-DE ones among them are planted DE the
    # same way in that contrast; null hosts of the other planted circles get an expression
    # floor instead (host_floors).
    ("hsa_circ_0900014", "SYNPC19", (3,)),
    ("hsa_circ_0900015", "SYNPC32", (5, 6)),
    ("hsa_circ_0900016", "SYNPC55", (4,)),
    ("hsa_circ_0900017", "SYNLNC20", (2, 3)),
    ("hsa_circ_0900018", "SYNLNC27", (3,)),
    ("hsa_circ_0900019", "SYNPC21", (2,)),
    ("hsa_circ_0900020", "SYNLNC38", (2, 3)),
    ("hsa_circ_0900021", "SYNPC39", (3, 4, 5)),
    ("hsa_circ_0900022", "SYNPC63", (4,)),
    ("hsa_circ_0900023", "SYNPC17", (2,)),
    ("hsa_circ_0900024", "SYNPC20", (3, 4)),
    ("hsa_circ_0900025", "SYNPC27", (2, 3, 4)),
    ("hsa_circ_0900026", "SYNPC43", (4,)),
    ("hsa_circ_0900027", "SYNPC48", (2, 3)),
    ("hsa_circ_0900028", "SYNPC65", (3,)),
    ("hsa_circ_0900029", "SYNPC75", (5, 6)),
    ("hsa_circ_0900030", "SYNLNC10", (2, 3)),
    ("hsa_circ_0900031", "SYNLNC36", (2,)),
    ("hsa_circ_0900032", "SYNLNC53", (2, 3)),
    ("hsa_circ_0900033", "SYNPC79", (4,)),  # null circle in a planted-DE host
)

# Planted log2 fold changes (case vs control); everything else is null. Catalog directions
# follow the reviews (shared/seeds): H19, UCA1, SNHG14, AGAP2-AS1, ABCB1 (P-gp) and CD274
# (PD-L1) carried by resistant-cell exosomes; HOTAIR up with poor prognosis/metastasis;
# hsa_circ_0004771 and hsa_circ_0088088 higher in patient (tumour) exosomes.
PLANTED_GENES = {
    "H19": {"resistant_vs_sensitive": 2.0},
    "UCA1": {"resistant_vs_sensitive": 1.5},
    "SNHG14": {"resistant_vs_sensitive": 2.0},
    "AGAP2-AS1": {"resistant_vs_sensitive": 1.5},
    "ABCB1": {"resistant_vs_sensitive": 2.5},
    "CD274": {"resistant_vs_sensitive": 2.0},
    "SYNPC04": {"resistant_vs_sensitive": -2.0},
    "SYNLNC02": {"resistant_vs_sensitive": -1.5},
    "HOTAIR": {"metastatic_vs_localized": 2.0},
    "SYNPC10": {"metastatic_vs_localized": 1.5},
    "SYNPC08": {"metastatic_vs_localized": -2.0},
    "SYNLNC05": {"metastatic_vs_localized": 2.0},
    "SYNLNC06": {"metastatic_vs_localized": -1.5},
    "SYNPC14": {"resistant_vs_sensitive": 1.5, "metastatic_vs_localized": -1.5},
    # Filler genes: 12 planted lncRNAs and 12 planted mRNAs per contrast in all, half up and
    # half down, two of each class planted in both contrasts (with SYNPC14, three
    # protein-coding genes are planted in both).
    "SYNLNC20": {"resistant_vs_sensitive": 2.0},
    "SYNLNC27": {"resistant_vs_sensitive": -1.5},
    "SYNLNC44": {"resistant_vs_sensitive": -2.5},
    "SYNLNC54": {"resistant_vs_sensitive": -1.5},
    "SYNLNC61": {"resistant_vs_sensitive": -2.0},
    "SYNLNC15": {"resistant_vs_sensitive": -2.0, "metastatic_vs_localized": 1.5},
    "SYNLNC33": {"resistant_vs_sensitive": 2.5, "metastatic_vs_localized": -2.0},
    "SYNLNC12": {"metastatic_vs_localized": -2.0},
    "SYNLNC23": {"metastatic_vs_localized": 1.5},
    "SYNLNC30": {"metastatic_vs_localized": -2.5},
    "SYNLNC38": {"metastatic_vs_localized": 2.0},
    "SYNLNC42": {"metastatic_vs_localized": -1.5},
    "SYNLNC49": {"metastatic_vs_localized": 2.5},
    "SYNLNC64": {"metastatic_vs_localized": -1.5},
    "SYNPC19": {"resistant_vs_sensitive": 2.0},
    "SYNPC32": {"resistant_vs_sensitive": -2.5},
    "SYNPC37": {"resistant_vs_sensitive": 1.5},
    "SYNPC45": {"resistant_vs_sensitive": -1.5},
    "SYNPC55": {"resistant_vs_sensitive": -2.0},
    "SYNPC73": {"resistant_vs_sensitive": -2.5},
    "SYNPC42": {"resistant_vs_sensitive": 2.5, "metastatic_vs_localized": 2.0},
    "SYNPC83": {"resistant_vs_sensitive": -1.5, "metastatic_vs_localized": 1.5},
    "SYNPC21": {"metastatic_vs_localized": 2.5},
    "SYNPC39": {"metastatic_vs_localized": -2.0},
    "SYNPC49": {"metastatic_vs_localized": -1.5},
    "SYNPC59": {"metastatic_vs_localized": 2.0},
    "SYNPC63": {"metastatic_vs_localized": -2.5},
    "SYNPC79": {"metastatic_vs_localized": 1.5},
    "SYNPC86": {"metastatic_vs_localized": -2.0},
}
PLANTED_CIRCLES = {
    "hsa_circ_0004771": {"metastatic_vs_localized": 2.0},
    "hsa_circ_0088088": {"metastatic_vs_localized": 1.5},
    "hsa_circ_0900007": {"metastatic_vs_localized": -1.5},
    "hsa_circ_0900003": {"resistant_vs_sensitive": 2.0},
    "hsa_circ_0900010": {"resistant_vs_sensitive": -2.0},
    "hsa_circ_0900014": {"resistant_vs_sensitive": 1.5},
    "hsa_circ_0900015": {"resistant_vs_sensitive": -2.5},
    "hsa_circ_0900016": {"resistant_vs_sensitive": -1.5},
    "hsa_circ_0900017": {"resistant_vs_sensitive": 2.0},
    "hsa_circ_0900018": {"resistant_vs_sensitive": -2.0},
    "hsa_circ_0900019": {"metastatic_vs_localized": 2.5},
    "hsa_circ_0900020": {"metastatic_vs_localized": 2.0},
    "hsa_circ_0900021": {"metastatic_vs_localized": -2.0},
    "hsa_circ_0900022": {"metastatic_vs_localized": -1.5},
}

# ---------------------------------------------------------------------------------------
# Sequences
# ---------------------------------------------------------------------------------------
_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)
_ENCODE = np.full(256, 255, dtype=np.uint8)
for _code, _base in enumerate(b"ACGT"):
    _ENCODE[_base] = _code
MOTIF = {"+": ("GT", "AG"), "-": ("CT", "AC")}  # genome bases at intron (left, right) ends


def encode(seq: str) -> np.ndarray:
    """Return the 0-3 codes (A, C, G, T) of a nucleotide string as uint8."""
    codes = _ENCODE[np.frombuffer(seq.encode("ascii"), dtype=np.uint8)]
    if (codes == 255).any():
        raise ValueError(f"non-ACGT character in sequence {seq[:30]}...")
    return codes


def decode(codes: np.ndarray) -> str:
    """Return the nucleotide string of 0-3 codes."""
    return _BASES[np.asarray(codes, dtype=np.uint8)].tobytes().decode("ascii")




def read_fasta(path: str | os.PathLike) -> dict[str, str]:
    """Read a FASTA file into name -> upper-case sequence."""
    records: dict[str, list[str]] = {}
    name = None
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if line.startswith(">"):
                name = line[1:].split()[0]
                records[name] = []
            elif line and name is not None:
                records[name].append(line.upper())
    return {n: "".join(chunks) for n, chunks in records.items()}




# ---------------------------------------------------------------------------------------
# Reference: genome, genes, circRNAs
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Gene:
    """One gene with one transcript; exons are 0-based half-open, in genome order."""

    gene_id: str
    transcript_id: str
    name: str
    gene_type: str
    chrom: str
    strand: str
    exons: tuple[tuple[int, int], ...]

    @property
    def start(self) -> int:
        """0-based first base of the gene."""
        return self.exons[0][0]

    @property
    def end(self) -> int:
        """0-based end (exclusive) of the gene."""
        return self.exons[-1][1]

    def transcript_exons(self) -> list[tuple[int, int]]:
        """Exons in transcript (5' to 3') order."""
        return list(self.exons) if self.strand == "+" else list(reversed(self.exons))

    def introns(self) -> list[tuple[int, int]]:
        """Introns (0-based half-open) in genome order."""
        return [(a[1], b[0]) for a, b in zip(self.exons, self.exons[1:])]


@dataclass(frozen=True)
class Circle:
    """A circRNA: exons (genome order) of its host; the circle spans [start, end)."""

    circ_id: str
    host: str  # gene_id
    chrom: str
    strand: str
    exons: tuple[tuple[int, int], ...]

    @property
    def start(self) -> int:
        """0-based first base of the circle (first circularised exon start)."""
        return self.exons[0][0]

    @property
    def end(self) -> int:
        """0-based end (exclusive) of the circle (last circularised exon end)."""
        return self.exons[-1][1]


def spliced_sequence(genome: Mapping[str, str], chrom: str, strand: str, exons) -> str:
    """Sense sequence of exons (genome order) joined 5' to 3' on ``strand``."""
    seq = "".join(genome[chrom][a:b] for a, b in exons)
    return seq if strand == "+" else reverse_complement(seq)


@dataclass
class Reference:
    """The synthetic genome with its genes and circRNAs."""

    genome: dict[str, str]
    genes: list[Gene]
    circles: list[Circle]

    def gene(self, gene_id: str) -> Gene:
        """The gene with ``gene_id``."""
        return next(g for g in self.genes if g.gene_id == gene_id)

    def transcript_sequence(self, gene: Gene) -> str:
        """Spliced sense sequence of the gene's transcript."""
        return spliced_sequence(self.genome, gene.chrom, gene.strand, gene.exons)

    def circle_sequence(self, circle: Circle) -> str:
        """Sense sequence of the circle, cut at the back-splice junction.

        The last base is the end of the last exon (transcript order) and the first base the
        start of the first exon: the junction lies between the end and the start.
        """
        return spliced_sequence(self.genome, circle.chrom, circle.strand, circle.exons)


def _exon_lengths(rng, spec: GeneSpec, circle_exons: list[tuple[int, ...]]) -> list[int]:
    """Exon lengths in transcript order; circle exons are long enough to hold a fragment."""
    if spec.n_exons == 1:
        return [int(rng.integers(SINGLE_EXON_LENGTH[0], SINGLE_EXON_LENGTH[1] + 1))]
    while True:
        lengths = rng.integers(EXON_LENGTH[0], EXON_LENGTH[1] + 1, spec.n_exons).tolist()
        for numbers in circle_exons:
            if len(numbers) == 1:
                lengths[numbers[0] - 1] = int(
                    rng.integers(SINGLE_EXON_CIRCLE[0], SINGLE_EXON_CIRCLE[1] + 1)
                )
        circles_ok = all(sum(lengths[n - 1] for n in nums) >= MIN_CIRCLE for nums in circle_exons)
        if sum(lengths) >= MIN_TRANSCRIPT and circles_ok:
            return lengths


def build_reference(seed: int = REFERENCE_SEED) -> Reference:
    """Draw the genome, lay the genes out and plant GT-AG introns and circRNAs.

    Chromosomes are uniform random sequence; genes follow GENE_SPECS in genome order, the
    space between them split at random (at least MIN_INTERGENIC); intron boundaries get
    GT...AG on the gene's strand (CT...AC on the plus strand of the genome for minus-strand
    genes).
    """
    rng = np.random.default_rng(seed)
    genome_codes = {
        chrom: rng.integers(0, 4, length).astype(np.uint8) for chrom, length in CHROMOSOMES
    }
    circle_exons: dict[str, list[tuple[int, ...]]] = {}
    for _, host, numbers in CIRCLE_SPECS:
        circle_exons.setdefault(host, []).append(numbers)
    layouts = []  # (spec, exon lengths, intron lengths), both in genome order
    for spec in GENE_SPECS:
        exon_lengths = _exon_lengths(rng, spec, circle_exons.get(spec.name, []))
        lo, hi = np.log(INTRON_LENGTH[0]), np.log(INTRON_LENGTH[1])
        intron_lengths = np.exp(rng.uniform(lo, hi, spec.n_exons - 1)).astype(int).tolist()
        if spec.long_intron is not None:
            intron_lengths[spec.long_intron[0] - 1] = spec.long_intron[1]
        if spec.strand == "-":  # lengths are drawn 5' to 3'; lay them out in genome order
            exon_lengths, intron_lengths = exon_lengths[::-1], intron_lengths[::-1]
        layouts.append((spec, exon_lengths, intron_lengths))
    starts = {}
    for chrom, chrom_length in CHROMOSOMES:
        on_chrom = [i for i, (spec, _, _) in enumerate(layouts) if spec.chrom == chrom]
        body = [sum(layouts[i][1]) + sum(layouts[i][2]) for i in on_chrom]
        free = chrom_length - sum(body) - MIN_INTERGENIC * (len(on_chrom) + 1)
        if free < 0:
            raise ValueError(f"{chrom} is too short for its genes")
        gaps = MIN_INTERGENIC + np.floor(free * rng.dirichlet(np.ones(len(on_chrom) + 1)))
        position = 0
        for i, length, gap in zip(on_chrom, body, gaps):
            position += int(gap)
            starts[i] = position
            position += length
    genes: list[Gene] = []
    for number, (spec, exon_lengths, intron_lengths) in enumerate(layouts, start=1):
        position = starts[number - 1]
        exons = []
        for i, length in enumerate(exon_lengths):
            exons.append((position, position + length))
            position += length + (intron_lengths[i] if i < len(intron_lengths) else 0)
        gene = Gene(
            gene_id=f"DEMOG{number:05d}",
            transcript_id=f"DEMOT{number:05d}",
            name=spec.name,
            gene_type=spec.gene_type,
            chrom=spec.chrom,
            strand=spec.strand,
            exons=tuple(exons),
        )
        left, right = MOTIF[spec.strand]
        for a, b in gene.introns():
            genome_codes[spec.chrom][a : a + 2] = encode(left)
            genome_codes[spec.chrom][b - 2 : b] = encode(right)
        genes.append(gene)
    genome = {chrom: decode(codes) for chrom, codes in genome_codes.items()}
    by_name = {g.name: g for g in genes}
    circles = []
    for circ_id, host_name, numbers in CIRCLE_SPECS:
        host = by_name[host_name]
        tx_exons = host.transcript_exons()
        if min(numbers) < 2 or max(numbers) > len(tx_exons) - 1:
            raise ValueError(f"{circ_id}: only internal exons of {host_name} may circularise")
        chosen = sorted(tx_exons[n - 1] for n in numbers)
        circles.append(Circle(circ_id, host.gene_id, host.chrom, host.strand, tuple(chosen)))
    circles.sort(key=lambda c: (c.chrom, c.start, c.end, c.strand))
    return Reference(genome, genes, circles)


def gtf_lines(genes: Iterable[Gene]) -> list[str]:
    """GENCODE-style GTF lines (gene, transcript, exon) with 1-based inclusive coordinates."""
    lines = []
    for gene in genes:
        base = f'gene_id "{gene.gene_id}"; gene_type "{gene.gene_type}"; gene_name "{gene.name}";'
        tx = (
            f'{base} transcript_id "{gene.transcript_id}"; '
            f'transcript_type "{gene.gene_type}"; transcript_name "{gene.name}-201";'
        )
        cols = [gene.chrom, "exocargo_demo", "", "", "", ".", gene.strand, "."]

        def row(feature, start, end, attributes):
            cols[2:5] = [feature, str(start + 1), str(end)]
            return "\t".join(cols) + "\t" + attributes

        lines.append(row("gene", gene.start, gene.end, base))
        lines.append(row("transcript", gene.start, gene.end, tx))
        for number, (a, b) in enumerate(gene.transcript_exons(), start=1):
            exon_id = f"{gene.transcript_id.replace('DEMOT', 'DEMOE')}.{number}"
            lines.append(row("exon", a, b, f'{tx} exon_number {number}; exon_id "{exon_id}";'))
    return lines


def circle_bed_lines(circles: Iterable[Circle]) -> list[str]:
    """BED6 lines of circRNAs: 0-based start, exclusive end, id, score 0, strand."""
    return [f"{c.chrom}\t{c.start}\t{c.end}\t{c.circ_id}\t0\t{c.strand}" for c in circles]


def write_reference(reference: Reference, outdir: Path) -> None:
    """Write genome.fa, genes.gtf and circrna.bed into ``outdir``."""
    write_fasta(outdir / "genome.fa", reference.genome)
    write_lines(outdir / "genes.gtf", gtf_lines(reference.genes))
    write_lines(outdir / "circrna.bed", circle_bed_lines(reference.circles))




# ---------------------------------------------------------------------------------------
# Design and expression
# ---------------------------------------------------------------------------------------
def design_table(n_samples: int = 12) -> pd.DataFrame:
    """Sample names (L01_res_met ...) and the demo's 2x2 (+ batch) design."""
    return demo_common.design_table(n_samples, "L")


def colinear_fraction(circle_length: int) -> float:
    """Expected share of a circle's fragments that do not cross its back-splice junction.

    A fragment of length f (the FRAGMENT_MEAN/SD normal, rounded and cut to FRAGMENT_RANGE,
    never longer than the circle) starting uniformly on a circle of length L stays colinear
    with probability (L - f) / L.
    """
    lengths = np.arange(FRAGMENT_RANGE[0], FRAGMENT_RANGE[1] + 1)
    cdf = np.array([0.5 * (1 + math.erf((x - FRAGMENT_MEAN) / (FRAGMENT_SD * math.sqrt(2))))
                    for x in np.append(lengths - 0.5, lengths[-1] + 0.5)])
    weights = np.diff(cdf)
    weights[0] += cdf[0]  # the cut folds both tails onto the range ends
    weights[-1] += 1 - cdf[-1]
    f = np.minimum(lengths, circle_length)
    return float(np.sum(weights * (circle_length - f)) / circle_length)


def host_floors(reference: Reference, base: pd.Series) -> pd.Series:
    """Least base mean of each gene hosting planted-DE circRNAs (0 for the others).

    A host planted with the same sign as its circle in every contrast the circle is planted
    in needs none (the circle reads only add to a real effect). Otherwise the circle's
    colinear fragments c (base x colinear_fraction) shift a host of base H by about
    c (2^(d/2) - 2^(-d/2)) / (H ln 2) in log2 for a planted d; H is raised until the sum
    over its circles is at most MAX_HOST_LOG2FC_BIAS.
    """
    names = {g.gene_id: g.name for g in reference.genes}
    floors = pd.Series(0.0, index=base.index)
    for circle in reference.circles:
        effects = PLANTED_CIRCLES.get(circle.circ_id, {})
        host_effects = PLANTED_GENES.get(names[circle.host], {})
        if all(np.sign(host_effects.get(c, 0.0)) == np.sign(d) for c, d in effects.items()):
            continue
        length = sum(b - a for a, b in circle.exons)
        colinear = base[circle.circ_id] * colinear_fraction(length)
        spread = max(2 ** (abs(d) / 2) - 2 ** (-abs(d) / 2) for d in effects.values())
        floors[circle.host] += colinear * spread / (math.log(2) * MAX_HOST_LOG2FC_BIAS)
    return floors


def plan_expression(reference: Reference, rng: np.random.Generator) -> pd.DataFrame:
    """Base means, dispersions, batch effects and planted log2FCs of genes and circRNAs.

    Rows: every gene (by gene_id, ``kind`` "gene") then every circRNA (by id, ``kind``
    "circRNA"). Base means are relative abundances at the centre of the design, on the
    scale of fragments per library (each sample's draw is rescaled to its library size, so
    the truth's base_mean column, DESeq2's estimate, differs from them by a common factor);
    circRNA base means count all fragments of the circle, crossing the back-splice
    junction or not.
    """
    rows = []
    for gene in reference.genes:
        effects = PLANTED_GENES.get(gene.name, {})
        base = float(np.exp(rng.normal(np.log(GENE_BASE_LOG_MEDIAN), GENE_BASE_LOG_SD)))
        if effects:
            base = max(base, DE_MIN_BASE)
        rows.append({"feature": gene.gene_id, "kind": "gene", "base": base, **effects})
    for circle in reference.circles:
        effects = PLANTED_CIRCLES.get(circle.circ_id, {})
        base = float(np.exp(rng.normal(np.log(CIRCLE_BASE_LOG_MEDIAN), CIRCLE_BASE_LOG_SD)))
        if effects:
            base = max(base, DE_MIN_BASE_CIRCLE)
        rows.append({"feature": circle.circ_id, "kind": "circRNA", "base": base, **effects})
    plan = pd.DataFrame(rows).set_index("feature")
    plan["base"] = np.maximum(plan["base"], host_floors(reference, plan["base"]))
    for contrast in CONTRASTS:
        plan[contrast] = plan[contrast].fillna(0.0) if contrast in plan else 0.0
    plan["dispersion"] = rng.uniform(*DISPERSION_RANGE, len(plan))
    plan["batch_log2fc"] = rng.normal(0.0, BATCH_LOG2_SD, len(plan))
    return plan



def draw_counts(
    rng: np.random.Generator,
    plan: pd.DataFrame,
    design: pd.DataFrame,
    library: np.ndarray,
    circle_scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Negative-binomial fragment counts per feature with exact per-sample totals.

    Gamma abundances (shape 1/dispersion around the design mean) are sampled multinomially
    to the library size: a gamma-Poisson whose size factor is library / total abundance.
    ``circle_scale`` multiplies circRNA abundances (0: a host-gene-only library). Returns
    (counts feature x sample, base_mean as DESeq2 would estimate it).
    """
    mu = 2.0 ** demo_common.log2_design(design, plan)
    mu[(plan["kind"] == "circRNA").to_numpy()] *= circle_scale
    shape = 1.0 / plan["dispersion"].to_numpy()
    counts = np.zeros(mu.shape, dtype=np.int64)
    for s in range(mu.shape[1]):
        abundance = np.where(
            mu[:, s] > 0, rng.gamma(shape, np.maximum(mu[:, s], 1e-300) / shape), 0.0
        )
        counts[:, s] = rng.multinomial(int(library[s]), abundance / abundance.sum())
    scale = library / mu.sum(axis=0)
    base_mean = mu.mean(axis=1) * np.exp(np.log(scale).mean())
    return counts, base_mean


# ---------------------------------------------------------------------------------------
# Fragments and reads
# ---------------------------------------------------------------------------------------
def is_bsj_fragment(
    junction: np.ndarray,
    fragment_length: np.ndarray,
    read_length: int = READ_LENGTH,
    min_anchor: int = MIN_BSJ_ANCHOR,
) -> np.ndarray:
    """Whether paired reads of fragments place a back-splice junction (the truth definition).

    ``junction`` is the number of fragment bases (5' to 3', sense) before the junction, 0
    when the fragment does not cross it. The first read covers fragment bases
    [0, read_length), the second [length - read_length, length). A fragment is a BSJ
    fragment when one read holds at least ``min_anchor`` bases on each side of the junction
    (a split read), or when the junction lies between the reads, each read wholly on its
    side (mate-spanning). A read that crosses the junction with fewer than ``min_anchor``
    bases on one side does not place it: an aligner clips or misplaces so short a piece.
    """
    j = np.asarray(junction)
    f = np.asarray(fragment_length)
    r = read_length
    crosses = j > 0
    split_first = (j >= min_anchor) & (j <= r - min_anchor)
    split_second = (j >= f - r + min_anchor) & (j <= f - min_anchor)
    between = (j >= r) & (j <= f - r)
    return crosses & (split_first | split_second | between)


@dataclass
class SimulatedSample:
    """One sample's fragments: origin, place and reads (R1, R2 as sequenced)."""

    feature: np.ndarray  # index into the plan's rows
    is_circle: np.ndarray
    offset: np.ndarray  # fragment start in the transcript / circle sequence
    length: np.ndarray
    junction: np.ndarray  # bases before the back-splice junction; 0 if none crossed
    bsj: np.ndarray  # True for BSJ fragments (truth definition)
    read1: list[str]
    read2: list[str]

    def fastq_text(self, mate: int, debug_names: bool = False, features=None) -> str:
        """FASTQ records of mate 1 or 2 (names r1, r2, ... with /1, /2 suffixes)."""
        reads = self.read1 if mate == 1 else self.read2
        quality = QUALITY_CHAR * READ_LENGTH
        out = []
        for i, seq in enumerate(reads):
            name = f"r{i + 1}/{mate}"
            if debug_names:
                name += (
                    f" origin={features[self.feature[i]]};offset={self.offset[i]};"
                    f"length={self.length[i]};junction={self.junction[i]};bsj={int(self.bsj[i])}"
                )
            out.append(f"@{name}\n{seq}\n+\n{quality}\n")
        return "".join(out)


def fragment_lengths(rng: np.random.Generator, n: int) -> np.ndarray:
    """Fragment lengths: normal(FRAGMENT_MEAN, FRAGMENT_SD) rounded, cut to FRAGMENT_RANGE."""
    raw = np.rint(rng.normal(FRAGMENT_MEAN, FRAGMENT_SD, n)).astype(np.int64)
    return np.clip(raw, *FRAGMENT_RANGE)


def add_errors(rng: np.random.Generator, codes: np.ndarray, error_rate: float) -> None:
    """Substitute bases in place at ``error_rate``, each to one of the other three bases."""
    if error_rate <= 0:
        return
    hit = rng.random(codes.shape) < error_rate
    shift = rng.integers(1, 4, int(hit.sum())).astype(np.uint8)
    codes[hit] = (codes[hit] + shift) % 4


def simulate_sample(
    reference: Reference,
    feature_ids: list[str],
    counts: np.ndarray,
    rng: np.random.Generator,
    error_rate: float = ERROR_RATE,
    flip_strand: bool = False,
) -> SimulatedSample:
    """Draw ``counts[i]`` fragments of feature ``feature_ids[i]`` and read them in pairs.

    Linear fragments start uniformly along the spliced transcript. Circle fragments start
    uniformly on the circle and may cross the back-splice junction; a circle fragment is
    never longer than the circle. Reads follow a dUTP library: read 1 is the reverse
    complement of the fragment's 3' end (antisense), read 2 the fragment's 5' end (sense);
    ``flip_strand`` swaps them (forward-stranded library). Fragments come out in random order.
    """
    genes = {g.gene_id: g for g in reference.genes}
    circles = {c.circ_id: c for c in reference.circles}
    sequences = []
    circular = []
    for fid in feature_ids:
        if fid in circles:
            sequences.append(reference.circle_sequence(circles[fid]))
            circular.append(True)
        else:
            sequences.append(reference.transcript_sequence(genes[fid]))
            circular.append(False)
    feature = np.repeat(np.arange(len(feature_ids)), counts)
    feature = feature[rng.permutation(len(feature))]
    n = len(feature)
    is_circle = np.array(circular, dtype=bool)[feature] if n else np.zeros(0, dtype=bool)
    seq_len = np.array([len(s) for s in sequences], dtype=np.int64)[feature]
    length = np.minimum(
        fragment_lengths(rng, n), np.where(is_circle, seq_len, np.iinfo(np.int64).max)
    )
    # Linear: start in [0, L - f]; circle: start anywhere on the circle, [0, L).
    span = np.where(is_circle, seq_len, seq_len - length + 1)
    offset = np.floor(rng.random(n) * span).astype(np.int64)
    crosses = is_circle & (offset + length > seq_len)
    junction = np.where(crosses, seq_len - offset, 0)
    bsj = is_bsj_fragment(junction, length)

    r = READ_LENGTH
    sense = np.zeros((n, r), dtype=np.uint8)
    antisense = np.zeros((n, r), dtype=np.uint8)
    coded = [encode(s + s) if c else encode(s) for s, c in zip(sequences, circular)]
    for i in range(n):
        frag = coded[feature[i]][offset[i] : offset[i] + length[i]]
        sense[i] = frag[:r]
        antisense[i] = 3 - frag[::-1][:r]
    read1, read2 = (sense, antisense) if flip_strand else (antisense, sense)
    add_errors(rng, read1, error_rate)
    add_errors(rng, read2, error_rate)
    width = r
    r1 = _BASES[read1].tobytes().decode("ascii")
    r2 = _BASES[read2].tobytes().decode("ascii")
    return SimulatedSample(
        feature=feature,
        is_circle=is_circle,
        offset=offset,
        length=length,
        junction=junction,
        bsj=bsj,
        read1=[r1[i * width : (i + 1) * width] for i in range(n)],
        read2=[r2[i * width : (i + 1) * width] for i in range(n)],
    )


def forward_junctions(exons, strand: str) -> list[tuple[tuple[int, int], int]]:
    """(intron, bases before the junction 5' to 3') of a spliced sequence of ``exons``."""
    exons = list(exons)
    out = []
    for left, right in zip(exons, exons[1:]):
        intron = (left[1], right[0])
        if strand == "+":
            before = sum(b - a for a, b in exons if b <= intron[0])
        else:
            before = sum(b - a for a, b in exons if a >= intron[1])
        out.append((intron, before))
    return out


def fsj_fragments(
    reference: Reference,
    sample: SimulatedSample,
    feature_ids: list[str],
    circle: Circle,
    read_length: int = READ_LENGTH,
    overhang: int = FSJ_OVERHANG,
) -> int:
    """Fragments with a read forward-spliced into the circle's start or out of its end.

    Counts fragments with a read crossing a junction whose intron ends at the circle's start
    or begins at its end, with at least ``overhang`` bases on each side; each fragment once.
    Besides the host's linear transcript, circles that contain this circle's exons splice
    there too (an internal junction of theirs). BSJ fragments (``is_bsj_fragment``) are
    left out: they align as chimeras, not as linear pairs, so their forward splices are not
    in the linear alignments.
    """
    genes = {g.gene_id: g for g in reference.genes}
    circles = {c.circ_id: c for c in reference.circles}
    # Read starts in the fragment's own sequence coordinates (circles unrolled twice).
    starts = np.stack([sample.offset, sample.offset + sample.length - read_length])
    crossed = np.zeros(len(sample.feature), dtype=bool)
    for index, fid in enumerate(feature_ids):
        feature = circles.get(fid) or genes[fid]
        if feature.chrom != circle.chrom:
            continue
        mine = (sample.feature == index) & ~sample.bsj
        if not mine.any():
            continue
        period = sum(b - a for a, b in feature.exons)
        for intron, before in forward_junctions(feature.exons, feature.strand):
            if intron[1] != circle.start and intron[0] != circle.end:
                continue
            places = (before, before + period) if fid in circles else (before,)
            for p in places:
                hit = (starts[:, mine] + overhang <= p) & (
                    p <= starts[:, mine] + read_length - overhang
                )
                crossed[np.flatnonzero(mine)[hit.any(axis=0)]] = True
    return int(crossed.sum())


def write_gzip_text(path: Path, text: str) -> None:
    """Write text gzip-compressed with no time stamp or file name (same input, same bytes)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(text.encode("ascii"))
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------
# Cohort
# ---------------------------------------------------------------------------------------




def simulate_cohort(
    outdir: str | os.PathLike = DEFAULT_OUTDIR,
    seed: int = DEFAULT_SEED,
    n_samples: int = 12,
    pairs: int | None = None,
    error_rate: float = ERROR_RATE,
    flip_strand: bool = False,
    circle_scale: float = 1.0,
    debug_names: bool = False,
) -> dict:
    """Simulate the long-RNA demo cohort and write reference, reads, sheet and truth.

    Layout under ``outdir``: genome.fa, genes.gtf, circrna.bed, reads/{sample}_R{1,2}.fastq.gz,
    longrna_samples.tsv and truth/{gene_counts, gene_counts_with_circrna, gene_log2fc,
    circrna_bsj, circrna_log2fc, circrna_fragments, circrna_fsj, library_sizes}.tsv. Returns the reference, plan, design and the
    simulated samples (for tests that need per-fragment truth).
    """
    outdir = Path(outdir)
    reference = build_reference()
    rng = np.random.default_rng(seed)
    design = design_table(n_samples)
    if pairs is None:
        library = rng.integers(LIBRARY_SIZE_RANGE[0], LIBRARY_SIZE_RANGE[1] + 1, n_samples)
    else:
        library = np.full(n_samples, int(pairs), dtype=np.int64)
    plan = plan_expression(reference, rng)
    counts, base_mean = draw_counts(rng, plan, design, library, circle_scale)
    feature_ids = list(plan.index)

    for sub in ("reads", "truth"):
        (outdir / sub).mkdir(parents=True, exist_ok=True)
    write_reference(reference, outdir)

    samples = list(design["sample"])
    circle_rows = (plan["kind"] == "circRNA").to_numpy()
    bsj_counts = np.zeros((int(circle_rows.sum()), n_samples), dtype=np.int64)
    fsj_counts = np.zeros_like(bsj_counts)
    circle_index = {fid: k for k, fid in enumerate(np.array(feature_ids)[circle_rows])}
    sheet, simulated = [], {}
    for s, row in design.iterrows():
        sample_rng = np.random.default_rng([seed, s])
        sim = simulate_sample(
            reference, feature_ids, counts[:, s], sample_rng, error_rate, flip_strand
        )
        simulated[row["sample"]] = sim
        paths = []
        for mate in (1, 2):
            path = outdir / "reads" / f"{row['sample']}_R{mate}.fastq.gz"
            write_gzip_text(path, sim.fastq_text(mate, debug_names, feature_ids))
            paths.append(path)
        for f in sim.feature[sim.bsj]:
            bsj_counts[circle_index[feature_ids[f]], s] += 1
        for circle in reference.circles:
            fsj_counts[circle_index[circle.circ_id], s] = fsj_fragments(
                reference, sim, feature_ids, circle
            )
        LOG.info("%s: %d pairs, %d BSJ fragments", row["sample"], len(sim.feature), sim.bsj.sum())
        sheet.append(
            {
                "sample": row["sample"],
                "library": "long",
                "fastq_1": sheet_path(paths[0]),
                "fastq_2": sheet_path(paths[1]),
                "strandedness": "",
                "resistance": row["resistance"],
                "metastasis": row["metastasis"],
                "batch": row["batch"],
            }
        )
    write_tsv(pd.DataFrame(sheet), outdir / "longrna_samples.tsv", index=False)

    genes = {g.gene_id: g for g in reference.genes}
    circles_by_id = {c.circ_id: c for c in reference.circles}
    gene_rows = ~circle_rows
    gene_ids = np.array(feature_ids)[gene_rows]
    gene_counts = pd.DataFrame(
        counts[gene_rows], index=pd.Index(gene_ids, name="gene_id"), columns=samples
    )
    write_tsv(gene_counts, outdir / "truth" / "gene_counts.tsv")
    # What a gene-level counter sees: circle fragments that do not cross the back-splice
    # junction align colinearly on the host's exons and count for the host gene.
    colinear = gene_counts.copy()
    for s, sample in enumerate(samples):
        sim = simulated[sample]
        for f in sim.feature[sim.is_circle & (sim.junction == 0)]:
            colinear.loc[circles_by_id[feature_ids[f]].host, sample] += 1
    write_tsv(colinear, outdir / "truth" / "gene_counts_with_circrna.tsv")
    gene_lfc = pd.DataFrame(
        {
            "gene_id": gene_ids,
            "gene_name": [genes[g].name for g in gene_ids],
            "gene_type": [genes[g].gene_type for g in gene_ids],
            **{c: plan.loc[gene_ids, c].to_numpy() for c in CONTRASTS},
            "base_mean": np.round(base_mean[gene_rows], 2),
        }
    )
    write_tsv(gene_lfc, outdir / "truth" / "gene_log2fc.tsv", index=False)

    circles = {c.circ_id: c for c in reference.circles}
    circ_ids = list(np.array(feature_ids)[circle_rows])
    coords = pd.DataFrame(
        {
            "circ_id": circ_ids,
            "chrom": [circles[c].chrom for c in circ_ids],
            "start": [circles[c].start for c in circ_ids],
            "end": [circles[c].end for c in circ_ids],
            "strand": [circles[c].strand for c in circ_ids],
        }
    )
    bsj_table = pd.concat([coords, pd.DataFrame(bsj_counts, columns=samples)], axis=1)
    write_tsv(bsj_table, outdir / "truth" / "circrna_bsj.tsv", index=False)
    fragments = pd.concat([coords, pd.DataFrame(counts[circle_rows], columns=samples)], axis=1)
    write_tsv(fragments, outdir / "truth" / "circrna_fragments.tsv", index=False)
    fsj_table = pd.concat([coords, pd.DataFrame(fsj_counts, columns=samples)], axis=1)
    write_tsv(fsj_table, outdir / "truth" / "circrna_fsj.tsv", index=False)
    circ_lfc = pd.DataFrame(
        {
            "circ_id": circ_ids,
            "host_gene_id": [circles[c].host for c in circ_ids],
            "host_gene_name": [genes[circles[c].host].name for c in circ_ids],
            **{c: plan.loc[circ_ids, c].to_numpy() for c in CONTRASTS},
            "base_mean": np.round(base_mean[circle_rows], 2),
        }
    )
    write_tsv(circ_lfc, outdir / "truth" / "circrna_log2fc.tsv", index=False)
    sizes = pd.DataFrame(
        {
            "sample": samples,
            "pairs": counts.sum(axis=0),
            "linear": counts[gene_rows].sum(axis=0),
            "circular": counts[circle_rows].sum(axis=0),
            "bsj": bsj_counts.sum(axis=0),
        }
    )
    write_tsv(sizes, outdir / "truth" / "library_sizes.tsv", index=False)
    return {
        "outdir": outdir,
        "reference": reference,
        "plan": plan,
        "design": design,
        "feature_ids": feature_ids,
        "samples": simulated,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line entry: simulate the long-RNA cohort into --outdir."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--outdir",
        default=str(DEFAULT_OUTDIR),
        help="output directory (default: resources/demo/longrna)",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--samples", type=int, default=12, help="number of samples (default 12: 2x2 design x 3)"
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=None,
        help="read pairs per sample (default: library sizes drawn from "
        f"{LIBRARY_SIZE_RANGE[0]:,}-{LIBRARY_SIZE_RANGE[1]:,})",
    )
    parser.add_argument(
        "--flip-strand",
        action="store_true",
        help="forward-stranded library (read 1 sense) instead of reverse-stranded dUTP",
    )
    parser.add_argument(
        "--no-circrna",
        action="store_true",
        help="host-gene-only libraries: no reads from circRNAs (negative control)",
    )
    parser.add_argument(
        "--error-rate", type=float, default=ERROR_RATE, help="substitution rate per base"
    )
    parser.add_argument(
        "--debug-names",
        action="store_true",
        help="carry origin, offset, length, junction and bsj in read names (test fixtures only)",
    )
    args = parser.parse_args(argv)
    if args.samples < 1:
        parser.error("--samples must be at least 1")
    if args.pairs is not None and args.pairs < 1:
        parser.error("--pairs must be at least 1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    simulate_cohort(
        outdir=args.outdir,
        seed=args.seed,
        n_samples=args.samples,
        pairs=args.pairs,
        error_rate=args.error_rate,
        flip_strand=args.flip_strand,
        circle_scale=0.0 if args.no_circrna else 1.0,
        debug_names=args.debug_names,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

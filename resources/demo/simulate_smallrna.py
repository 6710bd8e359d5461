"""Deterministic simulator of exosomal small-RNA single-end reads with planted truth.

Inserts are real human miRBase 22 mature miRNAs (with isomiR variation taken from their
hairpins) plus the background typical of extracellular-vesicle libraries: rRNA, tRNA and
Y RNA fragments, random junk, adapter dimers and too-short inserts. Expression follows a
negative-binomial model over a 2x2 design (resistance x metastasis, plus a balanced batch)
with planted log2 fold changes, so that a pipeline's counts and differential expression can
be compared with the truth written beside the reads.

Nothing in here is a bioinformatics tool; it is written by hand because no maintained
library simulates small-RNA libraries with isomiRs, kit layouts and a planted design.

Command line: ``python resources/demo/simulate_smallrna.py --help``. Same arguments, same
bytes: every random draw comes from ``--seed``, and gzip headers carry no time stamp.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import io
import logging
import os
import re
from dataclasses import dataclass, field
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
    write_tsv,
)

LOG = logging.getLogger("simulate_smallrna")

DEFAULT_MIRBASE_DIR = REPO_ROOT / "resources" / "mirbase"
DEFAULT_OUTDIR = REPO_ROOT / "resources" / "demo"
DEFAULT_SEED = 20240917
# The contaminant references must not change with --seed: the pipeline indexes them.
CONTAMINANT_SEED = 1_000_003

# ---------------------------------------------------------------------------------------
# Model parameters (documented in resources/demo/README.md)
# ---------------------------------------------------------------------------------------
BIOTYPES = ("miRNA", "rRNA", "tRNA", "YRNA", "junk", "adapter_dimer", "too_short")
DEFAULT_BACKGROUND = {
    "rRNA": 0.15,
    "tRNA": 0.08,
    "YRNA": 0.04,
    "junk": 0.03,
    "adapter_dimer": 0.02,
    "too_short": 0.02,
}
# Per-sample background fractions are the defaults times exp(N(0, sd)).
BACKGROUND_JITTER_SD = 0.2

FIVE_PRIME_OFFSETS = np.array([-1, 0, 1])
FIVE_PRIME_PROBS = np.array([0.05, 0.90, 0.05])
THREE_PRIME_OFFSETS = np.array([-3, -2, -1, 0, 1, 2])
THREE_PRIME_PROBS = np.array([0.04, 0.08, 0.18, 0.50, 0.13, 0.07])
NONTEMPLATED_LENGTH_PROBS = np.array([0.67, 0.25, 0.08])  # 0, 1, 2 added A/T
MIN_MIRNA_INSERT = 18  # templated part; the 3' offset is raised to reach it
# Offsets and non-templated additions are clipped at the hairpin ends: a read reaching past
# the (truncated) miRBase hairpin could not align to it end to end.
FRAGMENT_LENGTH = (18, 35)  # rRNA, tRNA, Y RNA fragments
JUNK_LENGTH = (24, 35)  # long enough that a random sequence maps nowhere with 2 mismatches
TOO_SHORT_LENGTH = (1, 16)
TRNA_FIVE_PRIME_FRACTION = 0.6
YRNA_FIVE_PRIME_FRACTION = 0.7
MAX_INSERT = FRAGMENT_LENGTH[1] + 2
ERROR_RATE = 0.002
QUALITY_CHAR = "F"  # Phred+33, Q37 (NovaSeq-style binned quality), one value for all bases
PCR_MEAN_COPIES = 3  # reads per molecule on average with --pcr-duplicates

N_EXPRESSED = 300
MIRNA_REFERENCE_DEPTH = 30_000  # miRNA reads of a typical sample; base means refer to it
# Base means: log-normal, a well-expressed bulk plus a lowly expressed tail.
BASE_MEAN_LOG_MEDIAN, BASE_MEAN_LOG_SD = 150.0, 0.45
N_LOW_TAIL, LOW_TAIL_LOG_MEDIAN, LOW_TAIL_LOG_SD = 130, 10.0, 1.0
MIN_MATURE_LENGTH, MAX_MATURE_LENGTH = 19, 25
DISPERSION_RANGE = (0.03, 0.08)
BATCH_LOG2_SD = 0.2
DE_MIN_BASE_MEAN = 110.0  # at the reference depth; leaves room for size factors below 1
STRONG_LOG2FC = (1.5, 2.0, 2.5)
STRONG_PER_LEVEL = 16  # per |log2FC| level and contrast, half up and half down
HARD_LOG2FC = (0.5, 0.6, 0.7, 0.8, 0.9)
HARD_PER_CONTRAST = 12
SHARED_DE = 20  # miRNAs DE in both contrasts

LIBRARY_SIZE_RANGE = (30_000, 80_000)
# Catalog miRNAs that must be DE (feature id -> {contrast: log2FC}).
PLANTED_CATALOG = {
    "hsa-miR-222-3p": {"resistant_vs_sensitive": 2.0},
    "hsa-miR-1246": {"resistant_vs_sensitive": 2.5},
    "hsa-miR-567": {"resistant_vs_sensitive": -2.0},
    "hsa-miR-105-5p": {"metastatic_vs_localized": 2.5},
    "hsa-miR-200c-3p": {"metastatic_vs_localized": 1.5},
    "hsa-miR-130a-3p": {"metastatic_vs_localized": -2.0},
}
# An identical-sequence group, DE so that keying truth by the merged id is exercised.
PLANTED_MERGED = {"hsa-miR-199a-3p/hsa-miR-199b-3p": {"resistant_vs_sensitive": -1.5}}
CATALOG_MIN_BASE = 180.0
# miRNAs named in the two reviews the cargo catalog is built from (shared/seeds). None of
# them is drawn as DE at random: the only DE ones are those planted above, so the demo's
# catalog hits are the planted catalog miRNAs, with the directions the reviews report.
REVIEW_MIRNA_STEMS = (
    "let-7a", "let-7i", "miR-9", "miR-16", "miR-20a", "miR-21", "miR-22", "miR-33",
    "miR-101", "miR-105", "miR-122", "miR-130a", "miR-141", "miR-142", "miR-145", "miR-146a",
    "miR-150", "miR-155", "miR-181a", "miR-183", "miR-188", "miR-193b", "miR-195", "miR-199",
    "miR-200c", "miR-203a", "miR-205", "miR-210", "miR-221", "miR-222", "miR-223", "miR-301",
    "miR-342", "miR-382", "miR-423", "miR-503", "miR-567", "miR-770", "miR-939", "miR-1246",
    "miR-1253", "miR-1303", "miR-1910", "miR-4443", "miR-7641",
)  # fmt: skip
# Well-known abundant miRNAs of plasma and exosome libraries; they get the top base means.
ABUNDANT = (
    "hsa-miR-21-5p", "hsa-miR-16-5p", "hsa-let-7a-5p", "hsa-let-7b-5p", "hsa-miR-92a-3p",
    "hsa-miR-451a", "hsa-miR-486-5p", "hsa-miR-26a-5p", "hsa-let-7f-5p", "hsa-miR-25-3p",
    "hsa-miR-423-5p", "hsa-miR-191-5p", "hsa-miR-148a-3p", "hsa-miR-146a-5p",
    "hsa-miR-99a-5p", "hsa-miR-10b-5p", "hsa-miR-22-3p", "hsa-miR-126-3p",
    "hsa-miR-181a-5p", "hsa-miR-30d-5p",
)  # fmt: skip

# (name, length) of the synthetic stand-ins; lengths are those of the human genes.
RRNA_LIKE = (
    ("synthetic_RNA18S_like", 1869),
    ("synthetic_RNA28S_like", 5070),
    ("synthetic_RNA5-8S_like", 157),
    ("synthetic_RNA5S_like", 121),
    ("synthetic_MT-RNR1_like", 954),
    ("synthetic_MT-RNR2_like", 1559),
)
N_TRNA = 40
TRNA_LENGTH = (72, 76)
YRNA_LIKE = (
    ("synthetic_RNY1_like", 112),
    ("synthetic_RNY3_like", 101),
    ("synthetic_RNY4_like", 93),
    ("synthetic_RNY5_like", 83),
)
CONTAMINANT_FILES = {"rRNA": "rrna.fa", "tRNA": "trna.fa", "YRNA": "yrna.fa"}
SEPARATION_K = 18  # no window of this length within SEPARATION_MISMATCHES of another class
SEPARATION_MISMATCHES = 2
SHARED_KMER = 15


@dataclass(frozen=True)
class Protocol:
    """Read layout of a small-RNA library kit (what follows the insert, 5' to 3')."""

    read_length: int
    adapter: str
    random_5prime: int = 0
    random_3prime: int = 0
    umi_length: int = 0
    after_umi: str = ""


PROTOCOLS = {
    "truseq": Protocol(read_length=50, adapter="TGGAATTCTCGGGTGCCAAGG"),
    "nextflex": Protocol(
        read_length=50, adapter="TGGAATTCTCGGGTGCCAAGG", random_5prime=4, random_3prime=4
    ),
    "qiaseq": Protocol(
        read_length=75,
        adapter="AACTGTAGGCACCATCAAT",
        umi_length=12,
        after_umi="AGATCGGAAGAGCACACGTCT",
    ),
}

# ---------------------------------------------------------------------------------------
# Sequences
# ---------------------------------------------------------------------------------------
_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)
_ENCODE = np.full(256, 255, dtype=np.uint8)
for _code, _base in enumerate(b"ACGT"):
    _ENCODE[_base] = _code
_ENCODE[ord("U")] = 3


def encode(seq: str) -> np.ndarray:
    """Return the 0-3 codes (A, C, G, T/U) of a nucleotide string as uint8."""
    codes = _ENCODE[np.frombuffer(seq.upper().encode("ascii"), dtype=np.uint8)]
    if (codes == 255).any():
        raise ValueError(f"non-ACGTU character in sequence {seq[:30]}...")
    return codes


def decode(codes: np.ndarray) -> str:
    """Return the nucleotide string of 0-3 codes."""
    return _BASES[np.asarray(codes, dtype=np.uint8)].tobytes().decode("ascii")




def read_fasta(path: str | os.PathLike) -> list[tuple[str, str, str]]:
    """Read a FASTA file into (id, rest of header, sequence) with U converted to T."""
    records = []
    name, desc, chunks = None, "", []
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if line.startswith(">"):
                if name is not None:
                    records.append((name, desc, "".join(chunks).upper().replace("U", "T")))
                fields = line[1:].split(maxsplit=1)
                name, desc, chunks = fields[0], fields[1] if len(fields) > 1 else "", []
            elif line:
                chunks.append(line)
    if name is not None:
        records.append((name, desc, "".join(chunks).upper().replace("U", "T")))
    return records




# ---------------------------------------------------------------------------------------
# miRBase
# ---------------------------------------------------------------------------------------
def mature_feature_ids(mature_fasta: str | os.PathLike) -> dict[str, str]:
    """Map every mature miRNA name to its feature id.

    Mature miRNAs with identical sequences cannot be told apart by sequencing, so each such
    group is one feature whose id is the group's names, sorted, joined with "/"
    (e.g. "hsa-miR-199a-3p/hsa-miR-199b-3p"); any other name is its own feature id.
    """
    by_sequence: dict[str, list[str]] = {}
    records = read_fasta(mature_fasta)
    for name, _, seq in records:
        by_sequence.setdefault(seq, []).append(name)
    feature = {}
    for names in by_sequence.values():
        merged = "/".join(sorted(names))
        for name in names:
            feature[name] = merged
    return feature


def _gff_attributes(column: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in column.strip().split(";") if "=" in item)


def mature_loci(
    gff3: str | os.PathLike,
    hairpin_fasta: str | os.PathLike,
    mature_fasta: str | os.PathLike,
) -> dict[str, list[tuple[str, int]]]:
    """Locate every mature miRNA on its hairpins from miRBase coordinates.

    Returns mature name -> sorted [(hairpin name, 0-based offset of the mature 5' end)].
    The offset comes from the GFF3 (miRNA Derives_from its miRNA_primary_transcript; a
    primary transcript's ID, less a "_2"-style copy suffix, is the hairpin accession in the
    FASTA header) and is kept only where the hairpin sequence at that offset equals the
    mature sequence, which drops the few inconsistent records of miRBase 22.
    """
    hairpin_by_accession = {
        acc.split()[0]: (name, seq) for name, acc, seq in read_fasta(hairpin_fasta)
    }
    mature_seq = {name: seq for name, _, seq in read_fasta(mature_fasta)}
    primaries, matures = {}, []
    with open(gff3) as handle:
        for line in handle:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            attrs = _gff_attributes(cols[8])
            start, end, strand = int(cols[3]), int(cols[4]), cols[6]
            if cols[2] == "miRNA_primary_transcript":
                primaries[attrs["ID"]] = (start, end, strand)
            elif cols[2] == "miRNA":
                matures.append((attrs["Name"], attrs["Derives_from"], start, end, strand))
    loci: dict[str, set[tuple[str, int]]] = {}
    for name, primary_id, start, end, strand in matures:
        if name not in mature_seq or primary_id not in primaries:
            continue
        p_start, p_end, _ = primaries[primary_id]
        offset = start - p_start if strand == "+" else p_end - end
        hairpin = hairpin_by_accession.get(re.sub(r"_\d+$", "", primary_id))
        if hairpin is None:
            continue
        seq = mature_seq[name]
        if offset >= 0 and hairpin[1][offset : offset + len(seq)] == seq:
            loci.setdefault(name, set()).add((hairpin[0], offset))
    return {name: sorted(places) for name, places in loci.items()}


@dataclass
class MirBase:
    """Hairpins, mature sequences, feature ids and verified loci of one miRBase release."""

    hairpins: dict[str, str]
    mature: dict[str, str]
    feature_of: dict[str, str]
    # feature id -> (mature sequence, [(hairpin name, offset)])
    features: dict[str, tuple[str, list[tuple[str, int]]]]
    # features sharing an error-free isomiR insert with another feature (see ambiguous_features)
    ambiguous: set[str] = field(default_factory=set)


def load_mirbase(mirbase_dir: str | os.PathLike = DEFAULT_MIRBASE_DIR) -> MirBase:
    """Load hsa_hairpin.v22.fa, hsa_mature.v22.fa and hsa.v22.gff3 from ``mirbase_dir``."""
    mirbase_dir = Path(mirbase_dir)
    hairpin_fa = mirbase_dir / "hsa_hairpin.v22.fa"
    mature_fa = mirbase_dir / "hsa_mature.v22.fa"
    gff = mirbase_dir / "hsa.v22.gff3"
    hairpins = {name: seq for name, _, seq in read_fasta(hairpin_fa)}
    mature = {name: seq for name, _, seq in read_fasta(mature_fa)}
    feature_of = mature_feature_ids(mature_fa)
    loci = mature_loci(gff, hairpin_fa, mature_fa)
    features: dict[str, tuple[str, list[tuple[str, int]]]] = {}
    for name, places in loci.items():
        fid = feature_of[name]
        seq, known = features.setdefault(fid, (mature[name], []))
        known.extend(p for p in places if p not in known)
    for fid, (_, places) in features.items():
        places.sort()
    mirbase = MirBase(hairpins, mature, feature_of, dict(sorted(features.items())))
    mirbase.ambiguous = ambiguous_features(mirbase)
    return mirbase


def isomir_inserts(mirbase: MirBase, feature_id: str) -> set[str]:
    """Every error-free insert the read model can draw from a feature, on any of its loci."""
    seq, places = mirbase.features[feature_id]
    tails = ("", "A", "T", "AA", "AT", "TA", "TT")
    out = set()
    for hairpin_name, offset in places:
        hairpin = mirbase.hairpins[hairpin_name]
        for off5 in FIVE_PRIME_OFFSETS:
            start = max(offset + int(off5), 0)
            for off3 in THREE_PRIME_OFFSETS:
                end = offset + len(seq) + int(off3)
                end = min(max(end, start + MIN_MIRNA_INSERT), len(hairpin))
                templated = hairpin[start:end]
                out.update(templated + t for t in tails if len(t) <= len(hairpin) - end)
    return out


def ambiguous_features(mirbase: MirBase) -> set[str]:
    """Features that share an error-free isomiR insert with another feature.

    E.g. hsa-miR-103a-3p and hsa-miR-107 differ only near their 3' ends, so a 3'-trimmed
    isomiR of either is both. The demo expresses none of them: a read's origin stays
    decidable, and the truth can be matched exactly.
    """
    owner: dict[str, str] = {}
    ambiguous = set()
    for fid in mirbase.features:
        for insert in isomir_inserts(mirbase, fid):
            first = owner.setdefault(insert, fid)
            if first != fid:
                ambiguous.update((first, fid))
    return ambiguous


# ---------------------------------------------------------------------------------------
# Synthetic contaminant references
# ---------------------------------------------------------------------------------------
def _kmer_codes(seq_codes: np.ndarray, k: int) -> np.ndarray:
    """2-bit packed k-mers (k <= 32) of one code array, one uint64 per window."""
    if len(seq_codes) < k:
        return np.zeros(0, dtype=np.uint64)
    windows = np.lib.stride_tricks.sliding_window_view(seq_codes.astype(np.uint64), k)
    weights = np.uint64(4) ** np.arange(k - 1, -1, -1, dtype=np.uint64)
    return (windows * weights).sum(axis=1, dtype=np.uint64)


def _all_kmers(seqs: Iterable[str], k: int, both_strands: bool) -> np.ndarray:
    parts = []
    for seq in seqs:
        parts.append(_kmer_codes(encode(seq), k))
        if both_strands:
            parts.append(_kmer_codes(encode(reverse_complement(seq)), k))
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)


class _KmerIndex:
    """Packed k-mers to avoid, indexed for exact and near (few mismatches) look-up.

    Near look-up uses the pigeonhole principle: with m mismatches one of m + 1 blocks of
    the k-mer matches exactly, so only k-mers sharing a block are compared base by base.
    """

    def __init__(self, kmers: np.ndarray, k: int, max_mismatches: int):
        self.kmers = np.unique(kmers)
        self.k, self.max_mismatches = k, max_mismatches
        bounds = np.linspace(0, k, max_mismatches + 2).astype(int)
        self.blocks = []
        for b in range(max_mismatches + 1):
            shift = np.uint64(2 * (k - bounds[b + 1]))
            mask = np.uint64((1 << (2 * (bounds[b + 1] - bounds[b]))) - 1)
            block = (self.kmers >> shift) & mask
            order = np.argsort(block, kind="stable")
            self.blocks.append((shift, mask, order, block[order]))

    def contains(self, query: np.ndarray) -> np.ndarray:
        """Which query k-mers occur exactly."""
        pos = np.searchsorted(self.kmers, query)
        pos = np.minimum(pos, len(self.kmers) - 1)
        return self.kmers[pos] == query if len(self.kmers) else np.zeros(len(query), bool)

    def near(self, query: np.ndarray) -> np.ndarray:
        """Which query k-mers lie within max_mismatches of an indexed k-mer."""
        hit = np.zeros(len(query), dtype=bool)
        low_bits = np.uint64(int("01" * self.k, 2))
        for shift, mask, order, sorted_block in self.blocks:
            q_block = (query >> shift) & mask
            lo = np.searchsorted(sorted_block, q_block, side="left")
            n_cand = np.searchsorted(sorted_block, q_block, side="right") - lo
            total = int(n_cand.sum())
            if total == 0:
                continue
            q_idx = np.repeat(np.arange(len(query)), n_cand)
            within = np.arange(total) - np.repeat(np.cumsum(n_cand) - n_cand, n_cand)
            diff = query[q_idx] ^ self.kmers[order[np.repeat(lo, n_cand) + within]]
            per_base = (diff | (diff >> np.uint64(1))) & low_bits
            hit[q_idx[np.bitwise_count(per_base) <= self.max_mismatches]] = True
        return hit


def _too_close_windows(seq: str, near: _KmerIndex, exact: _KmerIndex) -> np.ndarray:
    """Start positions of windows of ``seq`` near a k-mer of ``near`` or in ``exact``."""
    codes = encode(seq)
    close = near.near(_kmer_codes(codes, near.k))
    shared = exact.contains(_kmer_codes(codes, exact.k))
    return np.concatenate([np.flatnonzero(close), np.flatnonzero(shared)]).astype(int)


def _separated_sequence(rng, length, near: _KmerIndex, exact: _KmerIndex) -> str:
    """Random sequence, mutated until no window is close to the sequences to avoid."""
    codes = rng.integers(0, 4, length, dtype=np.uint8)
    for _ in range(1000):
        bad = _too_close_windows(decode(codes), near, exact)
        if len(bad) == 0:
            return decode(codes)
        for start in np.unique(bad):
            pos = min(length - 1, start + int(rng.integers(0, SEPARATION_K)))
            codes[pos] = (codes[pos] + rng.integers(1, 4)) % 4
    raise RuntimeError("could not separate a synthetic contaminant from the references")


def make_contaminants(
    hairpins: Iterable[str], seed: int = CONTAMINANT_SEED
) -> dict[str, dict[str, str]]:
    """Synthetic rRNA, tRNA and Y RNA stand-ins (biotype -> name -> DNA sequence).

    They are random (seeded) with the lengths of the human genes; tRNAs end in CCA. No
    18-nt window of one is within two mismatches of a window of a miRBase hairpin or of
    another class (either strand), and none shares a 15-mer with a hairpin (either
    strand), so that every fragment is classified by the class it came from.
    """
    rng = np.random.default_rng(seed)
    hairpins = list(hairpins)
    avoid = _all_kmers(hairpins, SEPARATION_K, both_strands=True)
    near = _KmerIndex(avoid, SEPARATION_K, SEPARATION_MISMATCHES)
    exact = _KmerIndex(_all_kmers(hairpins, SHARED_KMER, both_strands=True), SHARED_KMER, 0)
    out: dict[str, dict[str, str]] = {}

    def add(biotype, records):
        nonlocal near, avoid
        out[biotype] = records
        avoid = np.union1d(avoid, _all_kmers(records.values(), SEPARATION_K, both_strands=True))
        near = _KmerIndex(avoid, SEPARATION_K, SEPARATION_MISMATCHES)

    add("rRNA", {name: _separated_sequence(rng, n, near, exact) for name, n in RRNA_LIKE})
    trna = {}
    for i in range(N_TRNA):
        length = int(rng.integers(TRNA_LENGTH[0], TRNA_LENGTH[1] + 1))
        body = _separated_sequence(rng, length - 3, near, exact)
        seq = body + "CCA"
        # The CCA end can create a close window; re-draw the body until it does not.
        while len(_too_close_windows(seq, near, exact)):
            body = _separated_sequence(rng, length - 3, near, exact)
            seq = body + "CCA"
        trna[f"synthetic_tRNA_{i + 1:02d}"] = seq
    add("tRNA", trna)
    add("YRNA", {name: _separated_sequence(rng, n, near, exact) for name, n in YRNA_LIKE})
    return out


# ---------------------------------------------------------------------------------------
# References used for drawing inserts
# ---------------------------------------------------------------------------------------
@dataclass
class References:
    """Everything inserts are drawn from, with sequences laid out in one code buffer."""

    mirbase: MirBase
    contaminants: dict[str, dict[str, str]]
    buffer: np.ndarray = field(repr=False)
    source_names: list[str] = field(repr=False)
    source_start: np.ndarray = field(repr=False)
    source_length: np.ndarray = field(repr=False)
    source_index: dict[str, int] = field(repr=False)

    @classmethod
    def build(cls, mirbase: MirBase, contaminants: dict[str, dict[str, str]]) -> "References":
        """Lay hairpins and contaminants out in one buffer (separated by one A)."""
        names, seqs = [], []
        for name, seq in mirbase.hairpins.items():
            names.append(name)
            seqs.append(seq)
        for records in contaminants.values():
            for name, seq in records.items():
                names.append(name)
                seqs.append(seq)
        lengths = np.array([len(s) for s in seqs], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
        buffer = encode("A".join(seqs) + "A" * (MAX_INSERT + 8))
        return cls(
            mirbase,
            contaminants,
            buffer,
            names,
            starts,
            lengths,
            {n: i for i, n in enumerate(names)},
        )


@functools.lru_cache(maxsize=4)
def load_references(mirbase_dir: str | os.PathLike = DEFAULT_MIRBASE_DIR) -> References:
    """miRBase plus the synthetic contaminants, cached per miRBase directory."""
    mirbase = load_mirbase(mirbase_dir)
    return References.build(mirbase, make_contaminants(mirbase.hairpins.values()))


# ---------------------------------------------------------------------------------------
# Design and expression
# ---------------------------------------------------------------------------------------


def design_table(n_samples: int = 12) -> pd.DataFrame:
    """Sample names (S01_res_met ...) and the demo's 2x2 (+ batch) design."""
    return demo_common.design_table(n_samples, "S")


def named_in_reviews(feature_id: str) -> bool:
    """Whether any name of a feature belongs to a miRNA named in the reviews.

    "miR-199" covers hsa-miR-199a-3p and hsa-miR-199b-5p; "miR-181a" covers
    hsa-miR-181a-2-3p; "miR-9" does not cover hsa-miR-92a-3p.
    """
    for name in feature_id.split("/"):
        stem = re.sub(r"-[35]p$", "", name.removeprefix("hsa-"))
        if stem.count("-") >= 2 and stem.rsplit("-", 1)[1].isdigit():
            stem = stem.rsplit("-", 1)[0]  # copy number: miR-181a-2 -> miR-181a
        for review in REVIEW_MIRNA_STEMS:
            if stem == review or (
                review[-1].isdigit() and re.fullmatch(re.escape(review) + "[a-z]", stem)
            ):
                return True
    return False


def plan_expression(
    mirbase: MirBase, rng: np.random.Generator, n_expressed: int = N_EXPRESSED
) -> pd.DataFrame:
    """Choose the expressed miRNAs, their base means, dispersions and planted log2FCs.

    Returns a table indexed by feature id with columns base (expected reads at
    MIRNA_REFERENCE_DEPTH miRNA reads, at the geometric centre of the design), dispersion,
    the two contrasts' log2FC and batch_log2fc (B2 vs B1).
    """
    candidates = [
        fid
        for fid, (seq, places) in mirbase.features.items()
        if places
        and MIN_MATURE_LENGTH <= len(seq) <= MAX_MATURE_LENGTH
        and fid not in mirbase.ambiguous
    ]
    forced_top = [f for f in ABUNDANT if f in mirbase.features]
    forced_mid = list(PLANTED_CATALOG) + list(PLANTED_MERGED)
    missing = [f for f in forced_top + forced_mid if f not in candidates]
    if missing:
        raise ValueError(f"planted miRNAs not usable from miRBase: {missing}")
    others = [f for f in candidates if f not in forced_top and f not in forced_mid]
    n_others = n_expressed - len(forced_top) - len(forced_mid)
    chosen_others = [str(f) for f in rng.choice(others, n_others, replace=False)]
    values = np.concatenate(
        [
            rng.lognormal(np.log(BASE_MEAN_LOG_MEDIAN), BASE_MEAN_LOG_SD, n_expressed - N_LOW_TAIL),
            rng.lognormal(np.log(LOW_TAIL_LOG_MEDIAN), LOW_TAIL_LOG_SD, N_LOW_TAIL),
        ]
    )
    values = np.sort(values)[::-1]
    values *= MIRNA_REFERENCE_DEPTH / values.sum()
    base: dict[str, float] = {}
    top = list(rng.permutation(len(forced_top)))
    for rank, fid in zip(top, forced_top):
        base[fid] = values[rank]
    rest_values = list(values[len(forced_top) :])
    mid_pool = [
        i for i, v in enumerate(rest_values) if CATALOG_MIN_BASE <= v <= 2 * CATALOG_MIN_BASE
    ]
    if len(mid_pool) < len(forced_mid):
        raise ValueError(f"too few base means in [{CATALOG_MIN_BASE}, {2 * CATALOG_MIN_BASE}]")
    mid_ranks = list(rng.choice(mid_pool, len(forced_mid), replace=False))
    for rank, fid in zip(mid_ranks, forced_mid):
        base[fid] = rest_values[rank]
    taken = set(mid_ranks)
    remaining = [v for i, v in enumerate(rest_values) if i not in taken]
    for fid, value in zip(chosen_others, rng.permutation(remaining)):
        base[fid] = value
    table = pd.DataFrame({"base": pd.Series(base)}).sort_index()
    table["dispersion"] = rng.uniform(*DISPERSION_RANGE, len(table))
    table["batch_log2fc"] = rng.normal(0.0, BATCH_LOG2_SD, len(table))
    for contrast in CONTRASTS:
        table[contrast] = 0.0
    for fixed in (PLANTED_CATALOG, PLANTED_MERGED):
        for fid, effects in fixed.items():
            for contrast, lfc in effects.items():
                table.loc[fid, contrast] = lfc

    eligible = [
        f
        for f in table.index[table["base"] >= DE_MIN_BASE_MEAN]
        if f not in forced_mid and not named_in_reviews(f)
    ]
    eligible = [str(f) for f in rng.permutation(eligible)]
    contrasts = list(CONTRASTS)
    # Per contrast: the strong levels (half up, half down) and the hard cases.
    wanted = {}
    for contrast in contrasts:
        lfcs = []
        for level in STRONG_LOG2FC:
            lfcs += [level] * (STRONG_PER_LEVEL // 2) + [-level] * (STRONG_PER_LEVEL // 2)
        for fid, effects in list(PLANTED_CATALOG.items()) + list(PLANTED_MERGED.items()):
            if contrast in effects:
                lfcs.remove(effects[contrast])  # the fixed ones take their slot
        hard = rng.choice(HARD_LOG2FC, HARD_PER_CONTRAST) * np.tile([1, -1], HARD_PER_CONTRAST // 2)
        wanted[contrast] = list(rng.permutation(lfcs + list(hard)))
    shared = eligible[:SHARED_DE]
    n_a, n_b = len(wanted[contrasts[0]]), len(wanted[contrasts[1]])
    need = n_a + n_b - SHARED_DE
    if len(eligible) < need:
        raise ValueError(
            f"only {len(eligible)} miRNAs reach base {DE_MIN_BASE_MEAN}; {need} needed"
        )
    only_a = eligible[SHARED_DE:n_a]
    only_b = eligible[n_a:need]
    for fid, lfc in zip(shared + only_a, wanted[contrasts[0]]):
        table.loc[fid, contrasts[0]] = lfc
    for fid, lfc in zip(shared + only_b, wanted[contrasts[1]]):
        table.loc[fid, contrasts[1]] = lfc
    return table



def draw_mirna_counts(
    rng: np.random.Generator, plan: pd.DataFrame, design: pd.DataFrame, mirna_reads: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Negative-binomial miRNA counts with exact per-sample totals.

    Gamma-distributed abundances (shape 1/dispersion around the design mean) are sampled
    multinomially to the sample's miRNA depth: a gamma-Poisson (negative binomial) whose
    size factor is depth / total abundance. Returns (counts feature x sample, base_mean):
    base_mean is the mean over samples of the expected count divided by the size factor,
    size factors scaled to geometric mean 1 (as DESeq2's baseMean).
    """
    mu = 2.0 ** demo_common.log2_design(design, plan)
    shape = 1.0 / plan["dispersion"].to_numpy()
    counts = np.zeros(mu.shape, dtype=np.int64)
    for s in range(mu.shape[1]):
        abundance = rng.gamma(shape, mu[:, s] / shape)
        counts[:, s] = rng.multinomial(int(mirna_reads[s]), abundance / abundance.sum())
    scale = mirna_reads / mu.sum(axis=0)  # size factors, up to a common constant
    base_mean = mu.mean(axis=1) * np.exp(np.log(scale).mean())
    return counts, base_mean


# ---------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------
def _random_lengths(rng, n, bounds):
    return rng.integers(bounds[0], bounds[1] + 1, n)


@dataclass
class Molecules:
    """Inserts of one sample's molecules: what they are and where they come from."""

    biotype: np.ndarray  # index into BIOTYPES
    source: np.ndarray  # miRNA feature index, or reference source index, or -1
    inserts: np.ndarray  # (n, MAX_INSERT) codes; only the first ``length`` are used
    length: np.ndarray


def _mirna_inserts(rng, refs: References, feature_ids: list[str], counts: np.ndarray):
    """IsomiR inserts for ``counts[i]`` molecules of feature ``feature_ids[i]``."""
    feature = np.repeat(np.arange(len(feature_ids)), counts)
    n = len(feature)
    locus_start, locus_count, hp_index, offsets, mlen = [], [], [], [], []
    for fid in feature_ids:
        seq, places = refs.mirbase.features[fid]
        if not places:
            raise ValueError(f"{fid} has no verified hairpin locus; it cannot be expressed")
        locus_start.append(len(hp_index))
        locus_count.append(len(places))
        for hairpin, offset in places:
            hp_index.append(refs.source_index[hairpin])
            offsets.append(offset)
            mlen.append(len(seq))
    locus_start, locus_count = np.array(locus_start, dtype=np.int64), np.array(locus_count)
    hp_index, offsets, mlen = np.array(hp_index), np.array(offsets), np.array(mlen)
    locus = locus_start[feature] + (rng.random(n) * locus_count[feature]).astype(np.int64)
    hairpin = hp_index[locus]
    hp_len = refs.source_length[hairpin]
    off5 = rng.choice(FIVE_PRIME_OFFSETS, n, p=FIVE_PRIME_PROBS)
    off3 = rng.choice(THREE_PRIME_OFFSETS, n, p=THREE_PRIME_PROBS)
    start = np.maximum(offsets[locus] + off5, 0)
    end = offsets[locus] + mlen[locus] + off3
    end = np.minimum(np.maximum(end, start + MIN_MIRNA_INSERT), hp_len)
    templated = end - start
    n_added = np.minimum(rng.choice(3, n, p=NONTEMPLATED_LENGTH_PROBS), hp_len - end)
    cols = np.arange(MAX_INSERT)
    inserts = refs.buffer[refs.source_start[hairpin][:, None] + start[:, None] + cols[None, :]]
    added = np.where(rng.random((n, 2)) < 0.5, 0, 3).astype(np.uint8)  # A or T
    for j in range(2):
        put = n_added > j
        inserts[put, templated[put] + j] = added[put, j]
    return feature, inserts, templated + n_added


def _fragment_inserts(rng, refs: References, biotype: str, n: int):
    """Sense-strand fragments of one contaminant class."""
    names = list(refs.contaminants[biotype])
    index = np.array([refs.source_index[name] for name in names])
    lengths = refs.source_length[index]
    if biotype == "rRNA":
        which = rng.choice(len(names), n, p=lengths / lengths.sum())
    else:
        # A few tRNAs / Y RNAs dominate EV libraries: fixed skewed weights per class.
        weights = np.random.default_rng(CONTAMINANT_SEED + len(names)).lognormal(0, 1, len(names))
        which = rng.choice(len(names), n, p=weights / weights.sum())
    src = index[which]
    src_len = refs.source_length[src]
    frag = np.minimum(_random_lengths(rng, n, FRAGMENT_LENGTH), src_len)
    if biotype == "rRNA":
        start = (rng.random(n) * (src_len - frag + 1)).astype(np.int64)
    else:
        five = TRNA_FIVE_PRIME_FRACTION if biotype == "tRNA" else YRNA_FIVE_PRIME_FRACTION
        start = np.where(rng.random(n) < five, 0, src_len - frag)
    cols = np.arange(MAX_INSERT)
    inserts = refs.buffer[refs.source_start[src][:, None] + start[:, None] + cols[None, :]]
    return src, inserts, frag


def make_molecules(
    rng: np.random.Generator,
    refs: References,
    feature_ids: list[str],
    mirna_counts: np.ndarray,
    background_counts: Mapping[str, int],
) -> Molecules:
    """All molecules of one sample, in random order."""
    parts = []
    feature, ins, length = _mirna_inserts(rng, refs, feature_ids, np.asarray(mirna_counts))
    parts.append((np.zeros(len(feature), np.int8), feature, ins, length))
    for b, biotype in enumerate(BIOTYPES):
        n = int(background_counts.get(biotype, 0))
        if biotype == "miRNA" or n == 0:
            continue
        if biotype in ("rRNA", "tRNA", "YRNA"):
            src, ins, length = _fragment_inserts(rng, refs, biotype, n)
        else:
            src = np.full(n, -1)
            ins = rng.integers(0, 4, (n, MAX_INSERT), dtype=np.uint8)
            if biotype == "junk":
                length = _random_lengths(rng, n, JUNK_LENGTH)
            elif biotype == "too_short":
                length = _random_lengths(rng, n, TOO_SHORT_LENGTH)
            else:
                length = np.zeros(n, dtype=np.int64)
        parts.append((np.full(n, b, np.int8), src, ins, length))
    biotype = np.concatenate([p[0] for p in parts])
    source = np.concatenate([p[1] for p in parts]).astype(np.int64)
    inserts = np.concatenate([p[2] for p in parts]).astype(np.uint8)
    length = np.concatenate([p[3] for p in parts]).astype(np.int64)
    order = rng.permutation(len(biotype))
    return Molecules(biotype[order], source[order], inserts[order], length[order])


_CHUNK = 100_000


def assemble_reads(
    rng: np.random.Generator, molecules: Molecules, protocol: Protocol
) -> np.ndarray:
    """Lay out insert, adapter(s) and UMI per molecule; random bases fill everything else.

    Returns (n molecules, read_length) codes. Random-nucleotide segments of the kit (the
    NEXTflex 4N, the QIAseq UMI) and the tail after the adapter are the random filler.
    """
    n, length = len(molecules.length), protocol.read_length
    reads = np.empty((n, length), dtype=np.uint8)
    adapter = encode(protocol.adapter)
    after = encode(protocol.after_umi) if protocol.after_umi else None
    cols = np.arange(length)
    for lo in range(0, n, _CHUNK):
        hi = min(n, lo + _CHUNK)
        out = rng.integers(0, 4, (hi - lo, length), dtype=np.uint8)
        pos = np.full(hi - lo, protocol.random_5prime, dtype=np.int64)
        k = cols[None, :] - pos[:, None]
        ins_len = molecules.length[lo:hi]
        put = (k >= 0) & (k < ins_len[:, None])
        ins = np.take_along_axis(molecules.inserts[lo:hi], np.clip(k, 0, MAX_INSERT - 1), axis=1)
        out[put] = ins[put]
        pos += ins_len + protocol.random_3prime
        for segment in (adapter, after):
            if segment is None:
                continue
            k = cols[None, :] - pos[:, None]
            put = (k >= 0) & (k < len(segment))
            out[put] = segment[np.clip(k, 0, len(segment) - 1)][put]
            pos += len(segment) + (protocol.umi_length if segment is adapter else 0)
        reads[lo:hi] = out
    return reads


def add_errors(rng: np.random.Generator, reads: np.ndarray, error_rate: float) -> None:
    """Substitute bases in place with probability ``error_rate`` (to another base)."""
    if error_rate <= 0:
        return
    for lo in range(0, len(reads), _CHUNK):
        chunk = reads[lo : lo + _CHUNK]
        hit = rng.random(chunk.shape, dtype=np.float32) < error_rate
        chunk[hit] = (chunk[hit] + rng.integers(1, 4, int(hit.sum()), dtype=np.uint8)) % 4


@dataclass
class SimulatedSample:
    """One simulated library: reads, where each came from, and its truth."""

    protocol: Protocol
    feature_ids: list[str]
    molecules: Molecules
    read_molecule: np.ndarray  # molecule of each read (identity unless PCR duplicates)
    reads: np.ndarray  # (n reads, read_length) codes
    mirna_counts: dict[str, int]  # feature id -> molecules (= reads without duplicates)
    biotype_reads: dict[str, int]
    biotype_molecules: dict[str, int]
    refs: References = field(repr=False)

    def source_name(self, molecule: int) -> str:
        """Feature id or reference name a molecule came from ("-" for synthetic junk)."""
        b, src = self.molecules.biotype[molecule], self.molecules.source[molecule]
        if b == 0:
            return self.feature_ids[src]
        return self.refs.source_names[src] if src >= 0 else "-"

    def insert_sequence(self, molecule: int) -> str:
        """The true insert of a molecule (before sequencing errors)."""
        return decode(self.molecules.inserts[molecule, : self.molecules.length[molecule]])

    def write_fastq(
        self, path: str | os.PathLike, debug_names: bool = False, compresslevel: int = 6
    ) -> None:
        """Write gzipped FASTQ (mtime 0, so same reads give same bytes), atomically.

        Read names are ``r<n>``; with ``debug_names`` the comment carries the origin:
        ``r<n> origin=<biotype>;source=<feature or reference>;insert=<seq>;molecule=<m>``.
        """
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        length = self.protocol.read_length
        tail = b"\n+\n" + QUALITY_CHAR.encode() * length + b"\n"
        name = path.name[:-3] if path.name.endswith(".gz") else path.name
        with open(tmp, "wb") as raw, gzip.GzipFile(
            filename=name, mode="wb", fileobj=raw, mtime=0, compresslevel=compresslevel
        ) as gz:
            for lo in range(0, len(self.reads), _CHUNK):
                hi = min(len(self.reads), lo + _CHUNK)
                seqs = _BASES[self.reads[lo:hi]].tobytes()
                if debug_names:
                    heads = [self._debug_header(i) for i in range(lo, hi)]
                else:
                    heads = [b"@r%d\n" % (i + 1) for i in range(lo, hi)]
                buf = io.BytesIO()
                for j, head in enumerate(heads):
                    buf.write(head)
                    buf.write(seqs[j * length : (j + 1) * length])
                    buf.write(tail)
                gz.write(buf.getvalue())
        os.replace(tmp, path)

    def _debug_header(self, i: int) -> bytes:
        m = int(self.read_molecule[i])
        biotype = BIOTYPES[self.molecules.biotype[m]]
        return (
            f"@r{i + 1} origin={biotype};source={self.source_name(m)};"
            f"insert={self.insert_sequence(m)};molecule={m}\n"
        ).encode()


def _split_counts(total: int, fractions: Mapping[str, float]) -> dict[str, int]:
    """Integer counts summing to ``total`` in the given proportions (largest remainder)."""
    keys = list(fractions)
    raw = np.array([fractions[k] for k in keys], dtype=float) * total
    counts = np.floor(raw).astype(np.int64)
    for i in np.argsort(-(raw - counts), kind="stable")[: total - counts.sum()]:
        counts[i] += 1
    return dict(zip(keys, counts.tolist()))


def _copies_per_molecule(rng, n_molecules: int, n_reads: int) -> np.ndarray:
    """PCR copies: each molecule read once, the surplus spread by gamma(1) amplification."""
    if n_reads < n_molecules:
        raise ValueError("fewer reads than molecules")
    efficiency = rng.gamma(1.0, 1.0, n_molecules)
    return 1 + rng.multinomial(n_reads - n_molecules, efficiency / efficiency.sum())


def generate_sample(
    rng: np.random.Generator,
    refs: References,
    n_reads: int,
    feature_ids: list[str],
    mirna_counts: np.ndarray,
    background_counts: Mapping[str, int],
    protocol: str | Protocol = "truseq",
    pcr_duplicates: bool = False,
    error_rate: float = ERROR_RATE,
) -> SimulatedSample:
    """Reads of one sample from exact molecule counts per miRNA feature and per biotype.

    Without PCR duplicates there is one read per molecule and ``n_reads`` must equal the
    molecule total; with them the molecules are copied to ``n_reads`` reads.
    """
    kit = PROTOCOLS[protocol] if isinstance(protocol, str) else protocol
    molecules = make_molecules(rng, refs, feature_ids, mirna_counts, background_counts)
    n_mol = len(molecules.length)
    mol_reads = assemble_reads(rng, molecules, kit)
    if pcr_duplicates:
        copies = _copies_per_molecule(rng, n_mol, n_reads)
        read_molecule = rng.permutation(np.repeat(np.arange(n_mol), copies))
        reads = mol_reads[read_molecule]
    else:
        if n_mol != n_reads:
            raise ValueError(f"{n_mol} molecules for {n_reads} reads without PCR duplicates")
        read_molecule = np.arange(n_mol)
        reads = mol_reads
    add_errors(rng, reads, error_rate)
    per_feature = np.bincount(molecules.source[molecules.biotype == 0], minlength=len(feature_ids))
    mirna = {fid: int(c) for fid, c in zip(feature_ids, per_feature) if c > 0}
    mol_bt = np.bincount(molecules.biotype, minlength=len(BIOTYPES))
    read_bt = np.bincount(molecules.biotype[read_molecule], minlength=len(BIOTYPES))
    return SimulatedSample(
        protocol=kit,
        feature_ids=list(feature_ids),
        molecules=molecules,
        read_molecule=read_molecule,
        reads=reads,
        mirna_counts=mirna,
        biotype_reads={b: int(c) for b, c in zip(BIOTYPES, read_bt)},
        biotype_molecules={b: int(c) for b, c in zip(BIOTYPES, mol_bt)},
        refs=refs,
    )


def simulate_sample(
    n_reads: int,
    composition: Mapping[str, float] | None = None,
    *,
    seed: int = DEFAULT_SEED,
    protocol: str = "truseq",
    pcr_duplicates: bool = False,
    error_rate: float = ERROR_RATE,
    mirna_abundance: Mapping[str, float] | None = None,
    mirbase_dir: str | os.PathLike = DEFAULT_MIRBASE_DIR,
) -> SimulatedSample:
    """Simulate one sample with an explicit composition, e.g. a deliberately poor library.

    ``composition`` maps biotypes (BIOTYPES) to fractions of molecules; a missing "miRNA"
    takes what is left, and the default is the exosome background of DEFAULT_BACKGROUND.
    miRNA molecules are spread multinomially over ``mirna_abundance`` (feature id ->
    weight; default: the base means of the seed's expression plan). Molecule counts per
    biotype are exact (largest remainder). With ``pcr_duplicates`` the sample has about
    n_reads / PCR_MEAN_COPIES molecules and exactly ``n_reads`` reads.
    """
    refs = load_references(str(mirbase_dir))
    rng = np.random.default_rng(seed)
    fractions = dict(DEFAULT_BACKGROUND if composition is None else composition)
    unknown = set(fractions) - set(BIOTYPES)
    if unknown:
        raise ValueError(f"unknown biotypes {sorted(unknown)}; use {BIOTYPES}")
    if "miRNA" not in fractions:
        fractions["miRNA"] = 1.0 - sum(fractions.values())
    if min(fractions.values()) < 0 or abs(sum(fractions.values()) - 1.0) > 1e-9:
        raise ValueError(f"composition must be fractions summing to 1, got {fractions}")
    if mirna_abundance is None:
        plan = plan_expression(refs.mirbase, np.random.default_rng(seed))
        mirna_abundance = plan["base"].to_dict()
    feature_ids = sorted(mirna_abundance)
    n_mol = max(1, round(n_reads / PCR_MEAN_COPIES)) if pcr_duplicates else n_reads
    counts = _split_counts(n_mol, fractions)
    weights = np.array([mirna_abundance[f] for f in feature_ids], dtype=float)
    mirna_counts = rng.multinomial(counts["miRNA"], weights / weights.sum())
    return generate_sample(
        rng, refs, n_reads, feature_ids, mirna_counts, counts, protocol, pcr_duplicates, error_rate
    )


# ---------------------------------------------------------------------------------------
# Cohort
# ---------------------------------------------------------------------------------------




def simulate_cohort(
    outdir: str | os.PathLike = DEFAULT_OUTDIR,
    seed: int = DEFAULT_SEED,
    n_samples: int = 12,
    reads: int | None = None,
    protocol: str = "truseq",
    pcr_duplicates: bool = False,
    error_rate: float = ERROR_RATE,
    debug_names: bool = False,
    mirbase_dir: str | os.PathLike = DEFAULT_MIRBASE_DIR,
) -> dict[str, Path]:
    """Simulate the demo cohort and write reads, sample sheet, truth and references.

    Layout under ``outdir``: smallrna/{sample}.fastq.gz, smallrna_samples.tsv,
    truth/{mirna_counts,mirna_log2fc,biotype_counts}.tsv (plus truth/biotype_molecules.tsv
    with PCR duplicates) and reference/contaminants/{rrna,trna,yrna}.fa.
    """
    outdir = Path(outdir)
    refs = load_references(str(mirbase_dir))
    rng = np.random.default_rng(seed)
    design = design_table(n_samples)
    if reads is None:
        library = rng.integers(LIBRARY_SIZE_RANGE[0], LIBRARY_SIZE_RANGE[1] + 1, n_samples)
    else:
        library = np.full(n_samples, int(reads))
    n_mol = (
        np.maximum(1, np.round(library / PCR_MEAN_COPIES)).astype(np.int64)
        if pcr_duplicates
        else library
    )
    background = []
    for s in range(n_samples):
        jitter = np.exp(rng.normal(0.0, BACKGROUND_JITTER_SD, len(DEFAULT_BACKGROUND)))
        fractions = {b: f * j for (b, f), j in zip(DEFAULT_BACKGROUND.items(), jitter)}
        background.append({b: int(round(n_mol[s] * f)) for b, f in fractions.items()})
    mirna_mol = np.array([n_mol[s] - sum(background[s].values()) for s in range(n_samples)])
    plan = plan_expression(refs.mirbase, rng)
    counts, base_mean = draw_mirna_counts(rng, plan, design, mirna_mol)
    feature_ids = list(plan.index)

    for sub in ("smallrna", "truth", "reference/contaminants"):
        (outdir / sub).mkdir(parents=True, exist_ok=True)
    for biotype, filename in CONTAMINANT_FILES.items():
        write_fasta(outdir / "reference" / "contaminants" / filename, refs.contaminants[biotype])

    sheet, biotype_reads, biotype_mol = [], {}, {}
    for s, row in design.iterrows():
        sample_rng = np.random.default_rng([seed, s])
        sim = generate_sample(
            sample_rng,
            refs,
            int(library[s]),
            feature_ids,
            counts[:, s],
            background[s],
            protocol,
            pcr_duplicates,
            error_rate,
        )
        fastq = outdir / "smallrna" / f"{row['sample']}.fastq.gz"
        sim.write_fastq(fastq, debug_names=debug_names)
        LOG.info("%s: %d reads -> %s", row["sample"], len(sim.reads), fastq)
        biotype_reads[row["sample"]] = sim.biotype_reads
        biotype_mol[row["sample"]] = sim.biotype_molecules
        sheet.append(
            {
                "sample": row["sample"],
                "library": "small",
                "fastq_1": sheet_path(fastq),
                "fastq_2": "",
                "resistance": row["resistance"],
                "metastasis": row["metastasis"],
                "batch": row["batch"],
            }
        )
    write_tsv(pd.DataFrame(sheet), outdir / "smallrna_samples.tsv", index=False)

    samples = list(design["sample"])
    observed = counts.sum(axis=1) > 0
    truth = pd.DataFrame(
        counts[observed],
        index=pd.Index(np.array(feature_ids)[observed], name="feature_id"),
        columns=samples,
    )
    write_tsv(truth, outdir / "truth" / "mirna_counts.tsv")
    lfc = plan.loc[observed, list(CONTRASTS)].copy()
    lfc["base_mean"] = np.round(base_mean[observed], 2)
    lfc.index.name = "feature_id"
    write_tsv(lfc, outdir / "truth" / "mirna_log2fc.tsv")
    for table, name in (
        (biotype_reads, "biotype_counts.tsv"),
        (biotype_mol, "biotype_molecules.tsv"),
    ):
        if name == "biotype_molecules.tsv" and not pcr_duplicates:
            stale = outdir / "truth" / name
            if stale.exists():
                stale.unlink()
            continue
        frame = pd.DataFrame(table).T.loc[samples, list(BIOTYPES)]
        frame["total"] = frame.sum(axis=1)
        frame.index.name = "sample"
        write_tsv(frame, outdir / "truth" / name)
    return {"outdir": outdir, "samples": outdir / "smallrna_samples.tsv"}


def main(argv: list[str] | None = None) -> int:
    """Command line entry: simulate the cohort into --outdir."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--outdir", default=str(DEFAULT_OUTDIR), help="output directory (default: resources/demo)"
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--samples", type=int, default=12, help="number of samples (default 12: 2x2 design x 3)"
    )
    parser.add_argument(
        "--reads",
        type=int,
        default=None,
        help="reads per sample (default: library sizes drawn from 30,000-80,000)",
    )
    parser.add_argument(
        "--protocol", choices=sorted(PROTOCOLS), default="truseq", help="library kit layout"
    )
    parser.add_argument(
        "--pcr-duplicates",
        action="store_true",
        help="several reads per molecule (truth counts molecules); meant for qiaseq UMIs",
    )
    parser.add_argument(
        "--error-rate", type=float, default=ERROR_RATE, help="substitution rate per base"
    )
    parser.add_argument(
        "--debug-names",
        action="store_true",
        help="carry origin, source and true insert in read names (test fixtures only)",
    )
    parser.add_argument("--mirbase-dir", default=str(DEFAULT_MIRBASE_DIR), help="miRBase 22 files")
    args = parser.parse_args(argv)
    if args.samples < 1:
        parser.error("--samples must be at least 1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    simulate_cohort(
        outdir=args.outdir,
        seed=args.seed,
        n_samples=args.samples,
        reads=args.reads,
        protocol=args.protocol,
        pcr_duplicates=args.pcr_duplicates,
        error_rate=args.error_rate,
        debug_names=args.debug_names,
        mirbase_dir=args.mirbase_dir,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

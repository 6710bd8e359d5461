"""The small-RNA demo generator: reads carry exactly the truth written beside them."""

import gzip
import hashlib
import re
import shutil
import subprocess
from collections import Counter
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulate_smallrna as sim

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "resources" / "demo"
MIRBASE = REPO / "resources" / "mirbase"
ADAPTER = sim.PROTOCOLS["truseq"].adapter


@pytest.fixture(scope="module")
def refs():
    return sim.load_references(str(sim.DEFAULT_MIRBASE_DIR))


def read_fastq(path):
    """(header, sequence) of every record of a gzipped FASTQ."""
    with gzip.open(path, "rt") as handle:
        lines = handle.read().splitlines()
    assert len(lines) % 4 == 0
    return [(lines[i], lines[i + 1]) for i in range(0, len(lines), 4)]


def truseq_insert(read):
    """Insert of an error-free TruSeq read: what precedes the adapter (or its prefix)."""
    for k in range(len(read) + 1):
        m = min(len(ADAPTER), len(read) - k)
        if m >= 8 and read[k : k + m] == ADAPTER[:m]:
            return read[:k]
    raise AssertionError(f"no adapter in {read}")


def isomir_lookup(refs, feature_ids):
    """Every insert an isomiR of the features could have -> features (a generous superset).

    5' end within one nt of the mature start, 3' end from 18 nt after the start to two nt
    past the mature end, plus 0-2 added A/T: enumerated from the hairpins, independently of
    the generator's code and probabilities.
    """
    lookup = {}
    tails = [""] + ["".join(t) for n in (1, 2) for t in product("AT", repeat=n)]
    for fid in feature_ids:
        seq, places = refs.mirbase.features[fid]
        for hairpin, offset in places:
            hp = refs.mirbase.hairpins[hairpin]
            for start in range(max(offset - 1, 0), offset + 2):
                for end in range(start + 18, min(offset + len(seq) + 2, len(hp)) + 1):
                    for tail in tails:
                        lookup.setdefault(hp[start:end] + tail, set()).add(fid)
    return lookup


def classify(inserts, refs, lookup):
    """Origin of error-free inserts, found from the sequences alone."""
    joined = {b: "|".join(refs.contaminants[b].values()) for b in ("rRNA", "tRNA", "YRNA")}
    origin, mirna = [], Counter()
    ambiguous = []
    for insert in inserts:
        if len(insert) == 0:
            origin.append("adapter_dimer")
        elif len(insert) <= 16:
            origin.append("too_short")
        elif insert in lookup:
            origin.append("miRNA")
            if len(lookup[insert]) == 1:
                mirna[next(iter(lookup[insert]))] += 1
            else:
                ambiguous.append(lookup[insert])
        else:
            hits = [b for b, seqs in joined.items() if insert in seqs]
            assert len(hits) <= 1, insert
            origin.append(hits[0] if hits else "junk")
    return Counter(origin), mirna, ambiguous


def assert_mirna_counts(truth, found, ambiguous):
    """Unambiguous reads match the truth; ambiguous ones can only fill the gap."""
    extra = Counter()
    for group in ambiguous:
        for fid in group:
            extra[fid] += 1
    for fid in set(truth) | set(found):
        assert found[fid] <= truth.get(fid, 0) <= found[fid] + extra[fid], fid
    assert sum(found.values()) + len(ambiguous) == sum(truth.values())
    assert len(ambiguous) <= 0.01 * sum(truth.values())


def tree_digest(directory):
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(directory).rglob("*"))
        if p.is_file()
    }


# ---------------------------------------------------------------------------------------
# miRBase
# ---------------------------------------------------------------------------------------
def test_mature_feature_ids_merges_identical_groups():
    ids = sim.mature_feature_ids(MIRBASE / "hsa_mature.v22.fa")
    assert len(ids) == 2656
    assert ids["hsa-miR-199a-3p"] == ids["hsa-miR-199b-3p"] == "hsa-miR-199a-3p/hsa-miR-199b-3p"
    assert ids["hsa-miR-548c-5p"] == "hsa-miR-548am-5p/hsa-miR-548c-5p/hsa-miR-548o-5p"
    assert ids["hsa-miR-21-5p"] == "hsa-miR-21-5p"
    merged = {f for f in ids.values() if "/" in f}
    assert len(merged) == 16
    seqs = {name: seq for name, _, seq in sim.read_fasta(MIRBASE / "hsa_mature.v22.fa")}
    for fid in merged:
        names = fid.split("/")
        assert names == sorted(names)
        assert len({seqs[n] for n in names}) == 1
    # Different sequences never share a feature.
    by_feature = {}
    for name, fid in ids.items():
        by_feature.setdefault(fid, set()).add(seqs[name])
    assert all(len(s) == 1 for s in by_feature.values())


def test_mature_loci_come_from_gff_and_match_sequence(refs):
    mirbase = refs.mirbase
    assert mirbase.features["hsa-miR-16-5p"][1] == [("hsa-mir-16-1", 13), ("hsa-mir-16-2", 9)]
    assert ("hsa-mir-6859-1", 5) in mirbase.features["hsa-miR-6859-5p"][1]  # minus strand
    assert len(mirbase.features["hsa-miR-199a-3p/hsa-miR-199b-3p"][1]) == 3
    for seq, places in mirbase.features.values():
        for hairpin, offset in places:
            assert mirbase.hairpins[hairpin][offset : offset + len(seq)] == seq
    assert len(mirbase.features) > 2600


# ---------------------------------------------------------------------------------------
# Contaminant references
# ---------------------------------------------------------------------------------------
def kmers(seqs, k, both_strands=True):
    out = set()
    for seq in seqs:
        for s in (seq, sim.reverse_complement(seq)) if both_strands else (seq,):
            out.update(s[i : i + k] for i in range(len(s) - k + 1))
    return out


def test_committed_contaminants_are_synthetic_separated_and_reproducible(refs):
    hairpins = [seq for _, _, seq in sim.read_fasta(MIRBASE / "hsa_hairpin.v22.fa")]
    hairpin_15 = kmers(hairpins, 15)
    for biotype, filename in sim.CONTAMINANT_FILES.items():
        records = {
            name: seq for name, _, seq in sim.read_fasta(DEMO / "reference/contaminants" / filename)
        }
        assert (
            records == refs.contaminants[biotype]
        ), f"{filename} is not what the generator draws from"
        assert all(name.startswith("synthetic_") for name in records)
        assert not kmers(records.values(), 15, both_strands=False) & hairpin_15, filename
    trna = refs.contaminants["tRNA"].values()
    assert len(trna) == 40 and all(72 <= len(s) <= 76 and s.endswith("CCA") for s in trna)
    assert sorted(len(s) for s in refs.contaminants["YRNA"].values()) == [83, 93, 101, 112]
    rrna_lengths = {len(s) for s in refs.contaminants["rRNA"].values()}
    assert {1869, 5070, 157, 121} <= rrna_lengths


def test_near_match_index_finds_two_mismatches():
    rng = np.random.default_rng(0)
    ref = sim.decode(rng.integers(0, 4, 500))
    index = sim._KmerIndex(sim._kmer_codes(sim.encode(ref), 18), 18, 2)
    window = list(ref[100:118])
    window[3] = "ACGT"[("ACGT".index(window[3]) + 1) % 4]
    window[15] = "ACGT"[("ACGT".index(window[15]) + 2) % 4]
    two = "".join(window)
    window[9] = "ACGT"[("ACGT".index(window[9]) + 1) % 4]
    three = "".join(window)
    q = np.concatenate(
        [sim._kmer_codes(sim.encode(two), 18), sim._kmer_codes(sim.encode(three), 18)]
    )
    assert index.near(q).tolist() == [True, False]


# ---------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "composition",
    [
        None,
        {"adapter_dimer": 0.7, "rRNA": 0.1},
        {"rRNA": 0.8, "junk": 0.05, "tRNA": 0.05},
        {"too_short": 0.3, "YRNA": 0.3, "tRNA": 0.2, "miRNA": 0.2},
    ],
)
def test_composition_and_mirna_truth_read_back(tmp_path, refs, composition):
    n = 6000
    sample = sim.simulate_sample(n, composition, seed=11, error_rate=0.0)
    path = tmp_path / "poor.fastq.gz"
    sample.write_fastq(path)
    inserts = [truseq_insert(seq) for _, seq in read_fastq(path)]
    assert len(inserts) == n
    lookup = isomir_lookup(refs, sample.feature_ids)
    origins, mirna, ambiguous = classify(inserts, refs, lookup)
    wanted = dict(sim.DEFAULT_BACKGROUND if composition is None else composition)
    wanted.setdefault("miRNA", 1 - sum(wanted.values()))
    for biotype in sim.BIOTYPES:
        assert origins[biotype] == sample.biotype_reads[biotype], biotype
        assert abs(origins[biotype] / n - wanted.get(biotype, 0)) < 0.002, biotype
    assert_mirna_counts(sample.mirna_counts, mirna, ambiguous)


def test_cohort_truth_files_match_reads(tmp_path, refs):
    outdir = tmp_path / "cohort"
    sim.main(
        [
            "--outdir",
            str(outdir),
            "--samples",
            "4",
            "--reads",
            "3000",
            "--error-rate",
            "0",
            "--seed",
            "5",
        ]
    )
    sheet = pd.read_csv(outdir / "smallrna_samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    truth = pd.read_csv(outdir / "truth/mirna_counts.tsv", sep="\t", index_col="feature_id")
    biotypes = pd.read_csv(outdir / "truth/biotype_counts.tsv", sep="\t", index_col="sample")
    lfc = pd.read_csv(outdir / "truth/mirna_log2fc.tsv", sep="\t", index_col="feature_id")
    assert list(lfc.index) == list(truth.index)
    assert (truth.sum(axis=1) > 0).all()
    lookup = isomir_lookup(refs, list(truth.index))
    for row in sheet.itertuples():
        inserts = [truseq_insert(seq) for _, seq in read_fastq(row.fastq_1)]
        origins, mirna, ambiguous = classify(inserts, refs, lookup)
        assert biotypes.loc[row.sample, "total"] == len(inserts) == 3000
        for biotype in sim.BIOTYPES:
            assert origins[biotype] == biotypes.loc[row.sample, biotype], (row.sample, biotype)
        column = truth[row.sample]
        assert_mirna_counts(column[column > 0].to_dict(), mirna, ambiguous)


def test_same_seed_same_bytes(tmp_path):
    args = ["--samples", "2", "--reads", "2000", "--seed", "3"]
    sim.main(["--outdir", str(tmp_path / "a"), *args])
    first = tree_digest(tmp_path / "a")
    sim.main(["--outdir", str(tmp_path / "a"), *args])
    assert tree_digest(tmp_path / "a") == first
    sim.main(["--outdir", str(tmp_path / "b"), *args])
    other_dir = tree_digest(tmp_path / "b")
    # Everything but the sample sheet (which holds the paths) is byte-identical elsewhere.
    first.pop("smallrna_samples.tsv")
    other_dir.pop("smallrna_samples.tsv")
    assert other_dir == first
    sim.main(["--outdir", str(tmp_path / "c"), "--samples", "2", "--reads", "2000", "--seed", "4"])
    assert (
        tree_digest(tmp_path / "c")["smallrna/S01_res_met.fastq.gz"]
        != first["smallrna/S01_res_met.fastq.gz"]
    )


@pytest.mark.parametrize("protocol", sorted(sim.PROTOCOLS))
def test_protocol_layout(tmp_path, protocol):
    kit = sim.PROTOCOLS[protocol]
    sample = sim.simulate_sample(200, seed=2, protocol=protocol, error_rate=0.0)
    path = tmp_path / f"{protocol}.fastq.gz"
    sample.write_fastq(path, debug_names=True)
    records = read_fastq(path)
    assert len(records) == 200
    seen = Counter()
    for header, read in records:
        fields = dict(item.split("=", 1) for item in header.split(" ", 1)[1].split(";"))
        insert = fields["insert"]
        seen[fields["origin"]] += 1
        assert len(read) == kit.read_length
        assert re.fullmatch("[ACGT]+", read)
        pos = kit.random_5prime
        assert read[pos : pos + len(insert)] == insert
        pos += len(insert) + kit.random_3prime
        assert read[pos : pos + len(kit.adapter)] == kit.adapter[: kit.read_length - pos]
        if kit.umi_length:
            pos += len(kit.adapter) + kit.umi_length
            assert read[pos : pos + len(kit.after_umi)] == kit.after_umi[: kit.read_length - pos]
    assert seen["miRNA"] > 100 and seen["rRNA"] > 10
    assert sample.protocol.read_length == (75 if protocol == "qiaseq" else 50)


def test_qiaseq_pcr_duplicates_count_molecules():
    kit = sim.PROTOCOLS["qiaseq"]
    sample = sim.simulate_sample(
        3000, seed=4, protocol="qiaseq", pcr_duplicates=True, error_rate=0.0
    )
    assert len(sample.reads) == 3000
    n_mol = len(sample.molecules.length)
    assert n_mol == 1000
    reads = [sim.decode(r) for r in sample.reads]
    molecules, per_feature = set(), {}
    for i, read in enumerate(reads):
        m = sample.read_molecule[i]
        end = read.index(kit.adapter)  # error-free: the adapter follows the insert
        umi = read[end + len(kit.adapter) : end + len(kit.adapter) + kit.umi_length]
        key = (read[:end], umi)
        molecules.add(key)
        if sample.molecules.biotype[m] == 0:
            per_feature.setdefault(sample.source_name(m), set()).add(key)
    assert len(molecules) == n_mol  # UMI dedup recovers the molecules
    assert {f: len(k) for f, k in per_feature.items()} == sample.mirna_counts
    assert sum(sample.biotype_molecules.values()) == n_mol
    assert sum(sample.biotype_reads.values()) == 3000
    assert sample.biotype_reads["miRNA"] > sample.biotype_molecules["miRNA"]


@pytest.mark.skipif(shutil.which("bowtie") is None, reason="bowtie not on PATH")
def test_mirna_inserts_align_to_their_hairpins(tmp_path, refs):
    sample = sim.simulate_sample(800, seed=9)  # default 0.2% sequencing errors
    hairpins = tmp_path / "hairpins.fa"
    sim.write_fasta(hairpins, refs.mirbase.hairpins)
    subprocess.run(["bowtie-build", "-q", str(hairpins), str(tmp_path / "hp")], check=True)
    queries, expected = tmp_path / "inserts.fa", {}
    with open(queries, "w") as handle:
        for i, m in enumerate(sample.read_molecule):
            if sample.molecules.biotype[m] != 0:
                continue
            read = sim.decode(sample.reads[i, : sample.molecules.length[m]])
            handle.write(f">q{i}\n{read}\n")
            fid = sample.source_name(m)
            expected[f"q{i}"] = {h for h, _ in refs.mirbase.features[fid][1]}
    assert len(expected) > 400
    bowtie = ["bowtie", "-f", "-v", "2", "-a", "--best", "--strata", "--norc"]
    out = subprocess.run(
        [*bowtie, str(tmp_path / "hp"), str(queries)], check=True, capture_output=True, text=True
    ).stdout
    hits = {}
    for line in out.splitlines():
        name, _, hairpin = line.split("\t")[:3]
        hits.setdefault(name, set()).add(hairpin)
    good = sum(bool(hits.get(q, set()) & loci) for q, loci in expected.items())
    assert good >= 0.99 * len(expected), f"{good}/{len(expected)}"


# ---------------------------------------------------------------------------------------
# The committed demo
# ---------------------------------------------------------------------------------------
def test_committed_demo_layout_and_truth():
    sheet = pd.read_csv(DEMO / "smallrna_samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert list(sheet.columns) == [
        "sample",
        "library",
        "fastq_1",
        "fastq_2",
        "resistance",
        "metastasis",
        "batch",
    ]
    assert len(sheet) == 12 and sheet["sample"].str.fullmatch(r"[A-Za-z0-9_]+").all()
    assert (sheet["library"] == "small").all() and (sheet["fastq_2"] == "").all()
    assert (sheet["fastq_1"] == "resources/demo/smallrna/" + sheet["sample"] + ".fastq.gz").all()
    assert all((REPO / p).is_file() for p in sheet["fastq_1"])
    assert sheet.groupby(["resistance", "metastasis"]).size().tolist() == [3, 3, 3, 3]
    for factor in ("resistance", "metastasis"):
        assert (sheet.groupby([factor, "batch"]).size() == 3).all()

    biotypes = pd.read_csv(DEMO / "truth/biotype_counts.tsv", sep="\t", index_col="sample")
    assert list(biotypes.columns) == [*sim.BIOTYPES, "total"]
    assert (biotypes[list(sim.BIOTYPES)].sum(axis=1) == biotypes["total"]).all()
    assert biotypes["total"].between(30_000, 80_000).all() and biotypes["total"].nunique() == 12
    assert 500_000 <= biotypes["total"].sum() <= 700_000
    fractions = biotypes[list(sim.BIOTYPES)].div(biotypes["total"], axis=0).mean()
    for biotype, expected in sim.DEFAULT_BACKGROUND.items():
        assert abs(fractions[biotype] - expected) < 0.35 * expected, biotype

    counts = pd.read_csv(DEMO / "truth/mirna_counts.tsv", sep="\t", index_col="feature_id")
    assert list(counts.columns) == list(sheet["sample"])
    assert (counts.sum() == biotypes.loc[counts.columns, "miRNA"]).all()
    assert 250 <= len(counts) <= 300
    lfc = pd.read_csv(DEMO / "truth/mirna_log2fc.tsv", sep="\t", index_col="feature_id")
    assert list(lfc.columns) == [*sim.CONTRASTS, "base_mean"]
    assert list(lfc.index) == list(counts.index)
    for contrast in sim.CONTRASTS:
        de = lfc[contrast] != 0
        assert 55 <= de.sum() <= 65
        assert (lfc[contrast].abs() >= 1.5).sum() >= 45
        assert (lfc.loc[de, "base_mean"] >= 100).all()
    for fid, effects in {**sim.PLANTED_CATALOG, **sim.PLANTED_MERGED}.items():
        for contrast, value in effects.items():
            assert lfc.loc[fid, contrast] == value and abs(value) >= 1.5
        assert lfc.loc[fid, "base_mean"] >= 150
    assert lfc.loc["hsa-miR-222-3p", "resistant_vs_sensitive"] > 0
    assert lfc.loc["hsa-miR-1246", "resistant_vs_sensitive"] > 0
    assert lfc.loc["hsa-miR-567", "resistant_vs_sensitive"] < 0
    assert lfc.loc["hsa-miR-105-5p", "metastatic_vs_localized"] > 0
    assert lfc.loc["hsa-miR-200c-3p", "metastatic_vs_localized"] > 0
    assert lfc.loc["hsa-miR-130a-3p", "metastatic_vs_localized"] < 0
    assert any("/" in f for f in counts.index)
    # miRNAs the reviews name are DE only where planted (no surprise catalog hits).
    planted = set(sim.PLANTED_CATALOG) | set(sim.PLANTED_MERGED)
    de_any = lfc.index[(lfc[list(sim.CONTRASTS)] != 0).any(axis=1)]
    assert {f for f in de_any if sim.named_in_reviews(f)} == planted
    assert sim.named_in_reviews("hsa-miR-181a-2-3p") and not sim.named_in_reviews("hsa-miR-92a-3p")

    # The small-RNA demo's own files (the long-RNA demo in longrna/ has its own cap).
    own = [p for p in DEMO.rglob("*") if p.is_file() and "longrna" not in p.relative_to(DEMO).parts]
    size = sum(p.stat().st_size for p in own)
    assert size < 12e6, f"small-RNA demo is {size / 1e6:.1f} MB"


def test_committed_demo_is_what_the_generator_makes(tmp_path):
    sim.main(["--outdir", str(tmp_path)])
    fresh, committed = tree_digest(tmp_path), tree_digest(DEMO)
    for name, digest in fresh.items():
        if name != "smallrna_samples.tsv":
            assert committed.get(name) == digest, f"{name} differs from a fresh run"
    a = pd.read_csv(tmp_path / "smallrna_samples.tsv", sep="\t", dtype=str).drop(columns="fastq_1")
    b = pd.read_csv(DEMO / "smallrna_samples.tsv", sep="\t", dtype=str).drop(columns="fastq_1")
    pd.testing.assert_frame_equal(a, b)

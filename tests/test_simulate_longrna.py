"""The long-RNA demo generator: reference, reads and truth checked against each other,
with sequences rebuilt independently from genome.fa, genes.gtf and circrna.bed."""

import gzip
import hashlib
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulate_longrna as sim

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "resources" / "demo" / "longrna"
COMPLEMENT = str.maketrans("ACGT", "TGCA")
CATALOG_LNCRNA = {"H19", "UCA1", "SNHG14", "AGAP2-AS1", "HOTAIR"}
CATALOG_PC = {"ABCB1", "CD274", "BIRC5"}


def revcomp(seq):
    return seq.translate(COMPLEMENT)[::-1]


def read_fastq(path):
    with gzip.open(path, "rt") as handle:
        lines = handle.read().splitlines()
    assert len(lines) % 4 == 0
    return [(lines[i][1:], lines[i + 1], lines[i + 3]) for i in range(0, len(lines), 4)]


def parse_gtf(path):
    """{gene_id: dict(name, type, chrom, strand, exons=[(start0, end)] genome order)}."""
    genes = {}
    for line in Path(path).read_text().splitlines():
        cols = line.split("\t")
        attrs = dict(re.findall(r'(\S+) "([^"]*)";', cols[8]))
        if cols[2] == "gene":
            genes[attrs["gene_id"]] = {
                "name": attrs["gene_name"],
                "type": attrs["gene_type"],
                "chrom": cols[0],
                "strand": cols[6],
                "start": int(cols[3]) - 1,
                "end": int(cols[4]),
                "exons": [],
            }
        elif cols[2] == "exon":
            genes[attrs["gene_id"]]["exons"].append((int(cols[3]) - 1, int(cols[4])))
    for gene in genes.values():
        gene["exons"].sort()
    return genes


def parse_bed(path):
    return [
        (c[3], c[0], int(c[1]), int(c[2]), c[5])
        for c in (ln.split("\t") for ln in Path(path).read_text().splitlines())
    ]


def spliced(genome, chrom, strand, exons):
    seq = "".join(genome[chrom][a:b] for a, b in exons)
    return seq if strand == "+" else revcomp(seq)


def independent_sequences(outdir):
    """Transcript and circle sequences rebuilt from the written files alone."""
    genome = sim.read_fasta(Path(outdir) / "genome.fa")
    genes = parse_gtf(Path(outdir) / "genes.gtf")
    seqs, circles = {}, {}
    for gene_id, gene in genes.items():
        seqs[gene_id] = spliced(genome, gene["chrom"], gene["strand"], gene["exons"])
    for circ_id, chrom, start, end, strand in parse_bed(Path(outdir) / "circrna.bed"):
        host = [g for g in genes.values() if g["chrom"] == chrom and g["start"] <= start < g["end"]]
        assert len(host) == 1, circ_id
        exons = [(a, b) for a, b in host[0]["exons"] if start <= a and b <= end]
        assert exons[0][0] == start and exons[-1][1] == end, circ_id
        seqs[circ_id] = spliced(genome, chrom, strand, exons)
        circles[circ_id] = (chrom, start, end, strand)
    return genome, genes, seqs, circles


def tree_digest(directory):
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(directory).rglob("*"))
        if p.is_file() and p.name != "README.md"
    }


@pytest.fixture(scope="module")
def reference():
    return sim.build_reference()


# ---------------------------------------------------------------------------------------
# Reference
# ---------------------------------------------------------------------------------------
def test_genome_is_random_without_long_repeats(reference):
    assert [(c, len(s)) for c, s in reference.genome.items()] == list(sim.CHROMOSOMES)
    assert all(150_000 <= len(s) <= 400_000 for s in reference.genome.values())
    k = 24
    seen = set()
    for seq in reference.genome.values():
        for strand_seq in (seq, revcomp(seq)):
            for i in range(len(strand_seq) - k + 1):
                kmer = strand_seq[i : i + k]
                assert kmer not in seen, f"repeated {k}-mer {kmer}"
                seen.add(kmer)
    gc = sum(s.count("G") + s.count("C") for s in reference.genome.values())
    assert 0.48 < gc / sum(map(len, reference.genome.values())) < 0.52


def test_genes_layout_motifs_and_names(reference):
    genes = reference.genes
    assert 150 <= len(genes) <= 170
    types = Counter(g.gene_type for g in genes)
    assert 60 <= types["lncRNA"] <= 80 and 80 <= types["protein_coding"] <= 100
    names = [g.name for g in genes]
    assert len(set(names)) == len(names)
    assert CATALOG_LNCRNA | CATALOG_PC <= set(names)
    assert {s.name for s in sim.NAMED_GENE_SPECS} <= set(names)  # the demo only grew
    fillers = set(names) - {s.name for s in sim.NAMED_GENE_SPECS}
    assert all(re.fullmatch(r"SYN(LNC|PC)\d\d", n) for n in fillers)
    assert all(g.gene_type == "lncRNA" for g in genes if g.name.startswith("SYNLNC"))
    assert all(g.gene_type == "protein_coding" for g in genes if g.name.startswith("SYNPC"))
    # Gene ids follow the genome order, so the GTF is sorted.
    assert [g.gene_id for g in genes] == [f"DEMOG{i:05d}" for i in range(1, len(genes) + 1)]
    chroms = [chrom for chrom, _ in sim.CHROMOSOMES]
    order = [(chroms.index(g.chrom), g.start) for g in genes]
    assert order == sorted(order)
    assert {g.gene_type for g in genes} == {"lncRNA", "protein_coding"}
    assert all(g.gene_type == "lncRNA" for g in genes if g.name in CATALOG_LNCRNA)
    assert all(g.gene_type == "protein_coding" for g in genes if g.name in CATALOG_PC)
    assert {g.strand for g in genes} == {"+", "-"}
    assert sum(len(g.exons) == 1 for g in genes) >= 4
    by_chrom = {}
    for gene in genes:
        by_chrom.setdefault(gene.chrom, []).append((gene.start, gene.end))
        assert sum(b - a for a, b in gene.exons) >= sim.MIN_TRANSCRIPT
        if len(gene.exons) > 1:
            assert all(80 <= b - a <= 300 for a, b in gene.exons), gene.name
        seq = reference.genome[gene.chrom]
        for a, b in gene.introns():
            assert b - a >= 100
            left, right = seq[a : a + 2], seq[b - 2 : b]
            if gene.strand == "+":
                assert (left, right) == ("GT", "AG"), gene.name
            else:  # GT...AG on the minus strand
                assert (revcomp(right), revcomp(left)) == ("GT", "AG"), gene.name
    for spans in by_chrom.values():
        spans.sort()
        assert all(a[1] < b[0] for a, b in zip(spans, spans[1:])), "genes overlap"


def test_circles_are_internal_host_exons(reference):
    circles = reference.circles
    assert 30 <= len(circles) <= 40
    ids = [c.circ_id for c in circles]
    assert "hsa_circ_0004771" in ids and "hsa_circ_0088088" in ids
    assert all(re.fullmatch(r"hsa_circ_\d{7}", i) for i in ids)
    made_up = [i for i in ids if i not in ("hsa_circ_0004771", "hsa_circ_0088088")]
    assert all(i.startswith("hsa_circ_09") for i in made_up)
    assert len(set(ids)) == len(ids)
    sizes = Counter(len(c.exons) for c in circles)
    assert set(sizes) == {1, 2, 3}
    for circle in circles:
        host = reference.gene(circle.host)
        assert set(circle.exons) <= set(host.exons)
        assert circle.exons[0] != host.exons[0] and circle.exons[-1] != host.exons[-1]
        assert 100 <= circle.end - circle.start <= 100_000
        assert sum(b - a for a, b in circle.exons) >= sim.MIN_CIRCLE
    assert max(c.end - c.start for c in circles) > 20_000  # one spans a long intron


# ---------------------------------------------------------------------------------------
# Reads against truth
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_cohort(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("cohort")
    run = sim.simulate_cohort(
        outdir, seed=5, n_samples=4, pairs=1500, error_rate=0.0, debug_names=True
    )
    return outdir, run


def bsj_by_definition(junction, length, r=sim.READ_LENGTH, anchor=20):
    """The truth definition, written out case by case."""
    if junction == 0:
        return False
    in_first = anchor <= junction <= r - anchor
    in_second = anchor <= junction - (length - r) <= r - anchor
    between = r <= junction <= length - r
    return in_first or in_second or between


def test_reads_are_what_the_truth_says(small_cohort):
    outdir, _ = small_cohort
    genome, genes, seqs, circles = independent_sequences(outdir)
    sheet = pd.read_csv(outdir / "longrna_samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    gene_truth = pd.read_csv(outdir / "truth" / "gene_counts.tsv", sep="\t", index_col="gene_id")
    bsj_truth = pd.read_csv(outdir / "truth" / "circrna_bsj.tsv", sep="\t", index_col="circ_id")
    frag_truth = pd.read_csv(
        outdir / "truth" / "circrna_fragments.tsv", sep="\t", index_col="circ_id"
    )
    r = sim.READ_LENGTH
    for row in sheet.itertuples():
        first, second = read_fastq(row.fastq_1), read_fastq(row.fastq_2)
        assert len(first) == len(second) == 1500
        per_gene, per_circle, per_bsj = Counter(), Counter(), Counter()
        for (name1, seq1, qual1), (name2, seq2, _) in zip(first, second):
            assert name1.split()[0].removesuffix("/1") == name2.split()[0].removesuffix("/2")
            assert qual1 == "F" * r and len(seq1) == len(seq2) == r
            info = dict(f.split("=") for f in name1.split(" ", 1)[1].split(";"))
            origin, offset, length = info["origin"], int(info["offset"]), int(info["length"])
            junction = int(info["junction"])
            assert 150 <= length <= 300
            seq = seqs[origin]
            if origin in circles:
                per_circle[origin] += 1
                assert length <= len(seq) and 0 <= offset < len(seq)
                fragment = (seq + seq)[offset : offset + length]
                expected_junction = len(seq) - offset if offset + length > len(seq) else 0
                assert junction == expected_junction
            else:
                per_gene[origin] += 1
                assert offset + length <= len(seq)
                fragment = seq[offset : offset + length]
                assert junction == 0
            # Reverse-stranded (dUTP): read 1 antisense from the 3' end, read 2 sense.
            assert seq1 == revcomp(fragment)[:r] and seq2 == fragment[:r]
            bsj = bsj_by_definition(junction, length)
            assert info["bsj"] == str(int(bsj))
            per_bsj[origin] += bsj
        assert {g: n for g, n in gene_truth[row.sample].items() if n} == dict(per_gene)
        assert {c: n for c, n in frag_truth[row.sample].items() if n} == dict(per_circle)
        assert {c: n for c, n in bsj_truth[row.sample].items() if n} == {
            c: n for c, n in per_bsj.items() if n
        }
        assert sum(per_bsj.values()) > 50


def test_truth_tables_agree(small_cohort):
    outdir, run = small_cohort
    bsj = pd.read_csv(outdir / "truth" / "circrna_bsj.tsv", sep="\t")
    assert list(bsj.columns[:5]) == ["circ_id", "chrom", "start", "end", "strand"]
    bed = parse_bed(outdir / "circrna.bed")
    assert sorted(map(tuple, bsj.iloc[:, :5].values.tolist())) == sorted(bed)
    fsj = pd.read_csv(outdir / "truth" / "circrna_fsj.tsv", sep="\t")
    assert list(fsj.columns) == list(bsj.columns) and fsj.iloc[:, 5:].to_numpy().sum() > 0
    sizes = pd.read_csv(outdir / "truth" / "library_sizes.tsv", sep="\t", index_col="sample")
    genes = pd.read_csv(outdir / "truth" / "gene_counts.tsv", sep="\t", index_col="gene_id")
    frags = pd.read_csv(outdir / "truth" / "circrna_fragments.tsv", sep="\t", index_col="circ_id")
    assert (sizes["linear"] == genes.sum()).all()
    assert (sizes["circular"] == frags.iloc[:, 4:].sum()).all()
    assert (sizes["pairs"] == sizes["linear"] + sizes["circular"]).all()
    assert (sizes["bsj"] == bsj.iloc[:, 5:].sum().values).all()
    lfc = pd.read_csv(outdir / "truth" / "gene_log2fc.tsv", sep="\t")
    assert list(lfc.columns) == ["gene_id", "gene_name", "gene_type", *sim.CONTRASTS, "base_mean"]
    assert lfc["gene_id"].tolist() == genes.index.tolist()


def test_fsj_truth_counts_colinear_reads_at_the_sites(small_cohort):
    outdir, run = small_cohort
    genome, genes, seqs, circles = independent_sequences(outdir)
    fsj = pd.read_csv(outdir / "truth" / "circrna_fsj.tsv", sep="\t", index_col="circ_id")
    sample = next(iter(run["samples"]))
    # Independently: a read whose genome blocks show an intron ending at start / starting at end.
    first, second = read_fastq(outdir / "reads" / f"{sample}_R1.fastq.gz"), read_fastq(
        outdir / "reads" / f"{sample}_R2.fastq.gz"
    )
    exon_map = {gid: g for gid, g in genes.items()}
    hits = Counter()
    for (name, _, _), _ in zip(first, second):
        info = dict(f.split("=") for f in name.split(" ", 1)[1].split(";"))
        if info["bsj"] == "1":
            continue
        origin, offset, length = info["origin"], int(info["offset"]), int(info["length"])
        if origin in circles:
            chrom, start, end, strand = circles[origin]
            host = next(
                g for g in genes.values() if g["chrom"] == chrom and g["start"] <= start < g["end"]
            )
            exons = [(a, b) for a, b in host["exons"] if start <= a and b <= end]
        else:
            host = exon_map[origin]
            chrom, strand, exons = host["chrom"], host["strand"], host["exons"]
        tx_exons = exons if strand == "+" else exons[::-1]
        # transcript position -> intron crossed there
        junctions, before = {}, 0
        for left, right in zip(tx_exons, tx_exons[1:]):
            before += left[1] - left[0]
            intron = (left[1], right[0]) if strand == "+" else (right[1], left[0])
            junctions[before] = intron
        period = before + tx_exons[-1][1] - tx_exons[-1][0]
        crossed = set()
        for read_start in (offset, offset + length - sim.READ_LENGTH):
            for p, intron in junctions.items():
                for q in ((p, p + period) if origin in circles else (p,)):
                    if read_start + 10 <= q <= read_start + sim.READ_LENGTH - 10:
                        crossed.add(intron)
        for circ_id, (c_chrom, c_start, c_end, _) in circles.items():
            if c_chrom == chrom and any(i[1] == c_start or i[0] == c_end for i in crossed):
                hits[circ_id] += 1
    assert {c: n for c, n in fsj[sample].items() if n} == dict(hits)


def test_forward_strand_and_host_only_variants(tmp_path):
    run = sim.simulate_cohort(
        tmp_path / "fwd",
        seed=5,
        n_samples=1,
        pairs=300,
        error_rate=0.0,
        flip_strand=True,
        debug_names=True,
    )
    _, _, seqs, _ = independent_sequences(tmp_path / "fwd")
    (sample,) = run["samples"]
    reads = tmp_path / "fwd" / "reads"
    for (name, seq1, _), (_, seq2, _) in zip(
        read_fastq(reads / f"{sample}_R1.fastq.gz"), read_fastq(reads / f"{sample}_R2.fastq.gz")
    ):
        info = dict(f.split("=") for f in name.split(" ", 1)[1].split(";"))
        seq = seqs[info["origin"]]
        fragment = (seq + seq)[int(info["offset"]) : int(info["offset"]) + int(info["length"])]
        assert seq1 == fragment[: sim.READ_LENGTH]
        assert seq2 == revcomp(fragment)[: sim.READ_LENGTH]
    sim.main(
        ["--outdir", str(tmp_path / "host"), "--samples", "2", "--pairs", "500", "--no-circrna"]
    )
    frags = pd.read_csv(tmp_path / "host" / "truth" / "circrna_fragments.tsv", sep="\t")
    assert frags.iloc[:, 5:].to_numpy().sum() == 0
    genes = pd.read_csv(tmp_path / "host" / "truth" / "gene_counts.tsv", sep="\t", index_col=0)
    assert (genes.sum() == 500).all()


def test_sequencing_errors_are_substitutions_at_the_set_rate(tmp_path):
    n = 3000
    reference = sim.build_reference()
    plan = sim.plan_expression(reference, np.random.default_rng(1))
    counts = np.random.default_rng(2).multinomial(n, np.ones(len(plan)) / len(plan))
    clean = sim.simulate_sample(reference, list(plan.index), counts, np.random.default_rng(3), 0.0)
    noisy = sim.simulate_sample(reference, list(plan.index), counts, np.random.default_rng(3))
    assert (clean.offset == noisy.offset).all()
    mismatches = sum(
        a != b
        for x, y in zip(clean.read1 + clean.read2, noisy.read1 + noisy.read2)
        for a, b in zip(x, y)
    )
    rate = mismatches / (2 * n * sim.READ_LENGTH)
    assert 0.0015 < rate < 0.0025


def test_same_seed_same_bytes(tmp_path):
    args = ["--samples", "2", "--pairs", "800", "--seed", "3"]
    sim.main(["--outdir", str(tmp_path / "a"), *args])
    first = tree_digest(tmp_path / "a")
    sim.main(["--outdir", str(tmp_path / "a"), *args])
    assert tree_digest(tmp_path / "a") == first
    sim.main(["--outdir", str(tmp_path / "b"), "--samples", "2", "--pairs", "800", "--seed", "4"])
    other = tree_digest(tmp_path / "b")
    for name in ("genome.fa", "genes.gtf", "circrna.bed"):
        assert other[name] == first[name]  # the reference does not follow --seed
    assert other["reads/L01_res_met_R1.fastq.gz"] != first["reads/L01_res_met_R1.fastq.gz"]
    with gzip.open(tmp_path / "a" / "reads" / "L01_res_met_R1.fastq.gz") as handle:
        assert handle.read(1)
    header = (tmp_path / "a" / "reads" / "L01_res_met_R1.fastq.gz").read_bytes()[:10]
    assert header[4:8] == b"\0\0\0\0"  # no time stamp


# ---------------------------------------------------------------------------------------
# The committed demo
# ---------------------------------------------------------------------------------------
def test_committed_demo_layout_and_truth():
    sheet = pd.read_csv(DEMO / "longrna_samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert list(sheet.columns) == [
        "sample",
        "library",
        "fastq_1",
        "fastq_2",
        "strandedness",
        "resistance",
        "metastasis",
        "batch",
    ]
    assert len(sheet) == 12 and (sheet["library"] == "long").all()
    assert (sheet["strandedness"] == "").all()
    assert sheet["sample"].str.fullmatch(r"L\d\d_(res|sen)_(met|loc)").all()
    prefix = "resources/demo/longrna/reads/" + sheet["sample"]
    assert (sheet["fastq_1"] == prefix + "_R1.fastq.gz").all()
    assert (sheet["fastq_2"] == prefix + "_R2.fastq.gz").all()
    assert all((REPO / p).is_file() for p in [*sheet["fastq_1"], *sheet["fastq_2"]])
    assert sheet.groupby(["resistance", "metastasis"]).size().tolist() == [3, 3, 3, 3]
    for factor in ("resistance", "metastasis"):
        assert (sheet.groupby([factor, "batch"]).size() == 3).all()

    sizes = pd.read_csv(DEMO / "truth" / "library_sizes.tsv", sep="\t", index_col="sample")
    assert sizes["pairs"].between(*sim.LIBRARY_SIZE_RANGE).all()
    genes = pd.read_csv(DEMO / "truth" / "gene_log2fc.tsv", sep="\t", index_col="gene_id")
    by_name = genes.set_index("gene_name")
    rvs, mvl = "resistant_vs_sensitive", "metastatic_vs_localized"
    for name in ("H19", "UCA1", "SNHG14", "AGAP2-AS1", "ABCB1", "CD274"):
        assert by_name.loc[name, rvs] >= 1.5, name
    assert by_name.loc["HOTAIR", mvl] >= 1.5
    assert by_name.loc["BIRC5", [rvs, mvl]].tolist() == [0, 0]
    circ = pd.read_csv(DEMO / "truth" / "circrna_log2fc.tsv", sep="\t", index_col="circ_id")
    assert circ.loc["hsa_circ_0004771", mvl] >= 1.5 and circ.loc["hsa_circ_0088088", mvl] >= 1.5
    for table, minimum in ((genes, 150), (circ, 110)):
        for contrast in sim.CONTRASTS:
            de = table[contrast] != 0
            assert (table.loc[de, contrast].abs() >= 1.5).all()
            assert de.sum() >= 2 and (table.loc[de, contrast] < 0).any()
            assert (table.loc[de, "base_mean"] >= minimum * 0.8).all()
    bsj = pd.read_csv(DEMO / "truth" / "circrna_bsj.tsv", sep="\t", index_col="circ_id")
    # Half the samples or more of every circle reach the 5 BSJ fragments from which the
    # pipeline's calls are judged against this truth (tests/test_workflow_longrna.py).
    assert (bsj.iloc[:, 4:].median(axis=1) >= 5).all()
    # Every circle has linear reads across its splice sites, so its ratio is defined.
    fsj = pd.read_csv(DEMO / "truth" / "circrna_fsj.tsv", sep="\t", index_col="circ_id")
    assert (fsj.iloc[:, 4:].sum(axis=1) > 0).all()


def test_committed_demo_fold_changes_show_in_the_truth_counts():
    """Planted effects separate from the null ones in the truth counts, 6 vs 6 samples.

    Samples are scaled by median-of-ratios size factors of the gene counts (DESeq2's
    normalisation; circRNAs take the genes' factors). pydeseq2 on these counts finds every
    planted feature at padj < 0.05 (README); this is the library-free version of that check.
    """
    sheet = pd.read_csv(DEMO / "longrna_samples.tsv", sep="\t", dtype=str).set_index("sample")
    genes = pd.read_csv(DEMO / "truth" / "gene_counts.tsv", sep="\t", index_col=0)
    logs = np.log(genes)
    size_factors = np.exp(logs.sub(logs.mean(axis=1), axis=0).median())
    for counts_file, lfc_file, skip in (
        ("gene_counts.tsv", "gene_log2fc.tsv", 0),
        ("circrna_bsj.tsv", "circrna_log2fc.tsv", 4),
    ):
        counts = pd.read_csv(DEMO / "truth" / counts_file, sep="\t", index_col=0).iloc[:, skip:]
        lfc = pd.read_csv(DEMO / "truth" / lfc_file, sep="\t", index_col=0)
        normalised = np.log2(counts / size_factors[counts.columns] + 0.5)
        for contrast, (column, case, _) in sim.CONTRASTS.items():
            is_case = (sheet.loc[counts.columns, column] == case).to_numpy()
            observed = normalised.loc[:, is_case].mean(axis=1) - normalised.loc[:, ~is_case].mean(
                axis=1
            )
            planted = lfc.loc[counts.index, contrast]
            de = planted != 0
            assert (np.sign(observed[de]) == np.sign(planted[de])).all(), contrast
            # Planted and null features separate: the weakest planted effect is larger
            # than the strongest chance difference among the null ones.
            assert observed[de].abs().min() > 0.9, observed[de]
            assert observed[~de].abs().max() < observed[de].abs().min(), observed[~de]


def test_committed_demo_is_small_and_what_the_generator_makes(tmp_path):
    size = sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file())
    assert size < 8e6, f"long-RNA demo is {size / 1e6:.1f} MB"
    sim.main(["--outdir", str(tmp_path)])
    fresh, committed = tree_digest(tmp_path), tree_digest(DEMO)
    fresh.pop("longrna_samples.tsv")
    assert committed.pop("longrna_samples.tsv")
    assert fresh == committed
    a = pd.read_csv(tmp_path / "longrna_samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    b = pd.read_csv(DEMO / "longrna_samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(
        a.drop(columns=["fastq_1", "fastq_2"]), b.drop(columns=["fastq_1", "fastq_2"])
    )

"""Bad data stops the job that reads it, with a message naming the file, and no output.

Two snakemake runs (``--keep-going``) ask for the outputs of exactly the jobs that read the
broken files, so each fails on its own and nothing else runs (the second run holds the
broken cascade reference, which the small-RNA jobs of the first need intact):

- trimming of five extra samples added to the demo sheet (the quantify_smallrna job of a
  small-RNA library, which trims first; trim_longrna_pe of a pair), whose reads are derived
  from the demo reads: B01 a text file gzipped (not FASTQ), B02 the first half of the bytes
  of S01's gzip file (truncated), B03 S01's first 200 reads as FASTA, B04 a pair whose R2
  lacks L01's last read (different read numbers), B05 a pair whose R2 has L01's first read
  moved to the end (same numbers, names out of step);
- the cascade reference job on an rRNA FASTA with its first record repeated (duplicate
  id), and the long-RNA reference check on a genome with chr1 repeated and a GTF whose
  first gene has no gene_type;
- one DE job on a hand-made miRNA matrix (40 miRNAs x the sheet's small-RNA samples,
  counts 50 + 7 * feature + 3 * sample, sample S05 all zero) with every sample passing QC
  and qc.exclude_failed false, so S05 reaches DESeq2 with zero counts.

The empty-FASTQ case, which must not fail, runs through the whole pipeline in
test_reliability.py.
"""

import gzip

import pandas as pd
import pytest
import yaml

from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.reliability

DEMO = "resources/demo"
CONTRAST = "resistant_vs_sensitive"


def gz_lines(path):
    with gzip.open(path, "rt") as handle:
        return handle.read().splitlines(keepends=True)


def write_gz(path, text):
    with gzip.GzipFile(path, "wb", mtime=0) as handle:
        handle.write(text.encode())


def make_bad_files(workdir):
    """Write the broken inputs under data/ (see the module docstring)."""
    data = workdir / "data"
    data.mkdir()
    write_gz(data / "B01.fastq.gz", (workdir / "config" / "samples.tsv").read_text())
    whole = (workdir / DEMO / "smallrna" / "S01_res_met.fastq.gz").read_bytes()
    (data / "B02.fastq.gz").write_bytes(whole[: len(whole) // 2])
    reads = gz_lines(workdir / DEMO / "smallrna" / "S01_res_met.fastq.gz")[: 4 * 200]
    write_gz(
        data / "B03.fastq.gz",
        "".join(">" + reads[i][1:] + reads[i + 1] for i in range(0, len(reads), 4)),
    )
    r1 = gz_lines(workdir / DEMO / "longrna" / "reads" / "L01_res_met_R1.fastq.gz")
    r2 = gz_lines(workdir / DEMO / "longrna" / "reads" / "L01_res_met_R2.fastq.gz")
    for sample, mate2 in (("B04", r2[:-4]), ("B05", r2[4:] + r2[:4])):
        write_gz(data / f"{sample}_R1.fastq.gz", "".join(r1))
        write_gz(data / f"{sample}_R2.fastq.gz", "".join(mate2))
    rrna = (workdir / DEMO / "reference" / "contaminants" / "rrna.fa").read_text()
    first = rrna[: rrna.index(">", 1)]
    (data / "rrna_dup.fa").write_text(rrna + first)
    genome = (workdir / DEMO / "longrna" / "genome.fa").read_text()
    (data / "genome_dup.fa").write_text(genome + genome[: genome.index(">", 1)])
    gtf = (workdir / DEMO / "longrna" / "genes.gtf").read_text().splitlines(keepends=True)
    first_gene = next(l for l in gtf if not l.startswith("#")).split('gene_id "')[1]
    first_gene = first_gene.split('"')[0]
    (data / "genes_notype.gtf").write_text(
        "".join(
            l.replace(f' gene_type "{l.split("gene_type ")[1].split(";")[0][1:-1]}";', "")
            if f'gene_id "{first_gene}"' in l
            else l
            for l in gtf
        )
    )
    return first_gene


BAD_SAMPLES = {
    "B01": ("small", "data/B01.fastq.gz", ""),
    "B02": ("small", "data/B02.fastq.gz", ""),
    "B03": ("small", "data/B03.fastq.gz", ""),
    "B04": ("long", "data/B04_R1.fastq.gz", "data/B04_R2.fastq.gz"),
    "B05": ("long", "data/B05_R1.fastq.gz", "data/B05_R2.fastq.gz"),
}


def trim_outputs(sample):
    """Outputs of the job that trims a sample (for small RNA: the whole per-library job)."""
    if BAD_SAMPLES[sample][0] == "small":
        return [f"results/trimmed/{sample}.cutadapt.json"] + [
            f"results/smallrna/{sample}/{name}"
            for name in ("collapsed.fa", "collapse.json", "hairpin.bam", "biotypes.tsv",
                         "unmapped.fa.gz", "mirna_counts.tsv", "isomirs.tsv",
                         "mirna_summary.tsv")
        ]
    return [
        f"results/trimmed/long/{sample}_R1.fastq.gz",
        f"results/trimmed/long/{sample}_R2.fastq.gz",
        f"results/trimmed/long/{sample}.cutadapt.json",
    ]


def make_de_inputs(workdir, sheet):
    """A miRNA matrix with S05 all zero and a QC table passing every sample."""
    small = sheet.loc[sheet["library"] == "small", "sample"].tolist()
    counts = pd.DataFrame(
        {
            sample: [0 if sample.startswith("S05") else 50 + 7 * f + 3 * s for f in range(40)]
            for s, sample in enumerate(small)
        },
        index=pd.Index([f"hsa-miR-{f}" for f in range(40)], name="feature_id"),
    )
    (workdir / "results" / "counts").mkdir(parents=True)
    counts.to_csv(workdir / "results" / "counts" / "mirna.tsv", sep="\t")
    (workdir / "results" / "qc").mkdir()
    pd.DataFrame(
        {"sample": sheet["sample"], "verdict": "pass", "reasons": "", "excluded_from_de": "no"}
    ).to_csv(workdir / "results" / "qc" / "samples.tsv", sep="\t", index=False)


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("bad_data"))
    first_gene = make_bad_files(workdir)
    lines = (workdir / "config" / "samples.tsv").read_text().splitlines()
    rows = [
        f"{name}\t{library}\t{r1}\t{r2}\t\tresistant\tmetastatic\tB1"
        for name, (library, r1, r2) in BAD_SAMPLES.items()
    ]
    (workdir / "config" / "bad_samples.tsv").write_text("\n".join(lines + rows) + "\n")
    sheet = pd.read_csv(workdir / "config" / "bad_samples.tsv", sep="\t", dtype=str)
    make_de_inputs(workdir, sheet)
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    config["samples"] = "config/bad_samples.tsv"
    config["longrna"]["genome"] = "data/genome_dup.fa"
    config["longrna"]["gtf"] = "data/genes_notype.gtf"
    config["qc"]["exclude_failed"] = False
    (workdir / "config" / "bad_data.yaml").write_text(yaml.safe_dump(config))
    config["smallrna"]["cascade"][0]["fasta"] = "data/rrna_dup.fa"
    (workdir / "config" / "bad_reference.yaml").write_text(yaml.safe_dump(config))
    targets = [t for sample in BAD_SAMPLES for t in trim_outputs(sample)]
    targets += ["results/references/genes.tsv", f"results/de/{CONTRAST}/mirna.tsv"]
    outputs = []
    for configfile, wanted, rules in (
        # the hand-made matrix and QC table stand in for the jobs that would make them
        ("config/bad_data.yaml", targets,
         ["quantify_smallrna", "prepare_cascade_reference", "bowtie_index", "mirbase_arms",
          "trim_longrna_pe", "check_longrna_reference", "diffexp"]),
        ("config/bad_reference.yaml", ["results/references/smallrna/rRNA.fa"],
         ["prepare_cascade_reference"]),
    ):
        result = snakemake(
            workdir, *wanted, "--cores", "2", "--keep-going", "--configfile", configfile,
            "--allowed-rules", *rules, check=False,
        )
        outputs.append(result.stdout + result.stderr)
        assert result.returncode != 0, outputs[-1][-3000:]
    return workdir, "\n".join(outputs), first_gene


def log_text(workdir, path):
    return (workdir / path).read_text()


def leftovers(workdir, outputs):
    """Outputs that a failed job left behind, under their names or in a shadow directory."""
    shadows = list((workdir / ".snakemake" / "shadow").glob("*"))
    return [
        output
        for output in outputs
        if (workdir / output).exists() or any((d / output).exists() for d in shadows)
    ]


@pytest.mark.parametrize(
    "sample, expected",
    [
        ("B01", "data/B01.fastq.gz: not a FASTQ file: it starts with b'samp', a FASTQ file "
                "starts with '@'"),
        ("B02", "data/B02.fastq.gz: the gzip stream ends early or is corrupt after"),
        ("B03", "data/B03.fastq.gz: this is FASTA, not FASTQ"),
        ("B04", "data/B04_R1.fastq.gz has 16335 reads but its mate file "
                "data/B04_R2.fastq.gz has 16334"),
        ("B05", "data/B05_R1.fastq.gz and data/B05_R2.fastq.gz are not mates: read 1 is "
                "'r1/1' in the first and 'r2/2' in the second"),
    ],
)
def test_broken_reads_fail_their_trimming_job(bad_run, sample, expected):
    workdir, output, _ = bad_run
    library = BAD_SAMPLES[sample][0]
    log = f"logs/quantify_smallrna/{sample}.log" if library == "small" else (
        f"logs/trim_longrna/{sample}.log")
    # the diagnosis is in the job's log and in snakemake's own output
    assert f"sample {sample}: {expected}" in log_text(workdir, log)
    assert f"sample {sample}: {expected}" in output
    assert leftovers(workdir, trim_outputs(sample)) == []


def test_duplicate_fasta_id_fails_the_reference_job(bad_run):
    workdir, output, _ = bad_run
    message = "data/rrna_dup.fa, line"
    assert message in output and "duplicate FASTA id" in output
    assert "duplicate FASTA id" in log_text(workdir, "logs/prepare_cascade_reference/rRNA.log")
    assert leftovers(workdir, ["results/references/smallrna/rRNA.fa"]) == []


def test_duplicate_genome_name_and_gtf_without_gene_type_fail_the_reference_check(bad_run):
    workdir, output, first_gene = bad_run
    log = log_text(workdir, "logs/check_longrna_reference/check_longrna_reference.log")
    for expected in (
        "data/genome_dup.fa, line",
        "duplicate sequence name 'chr1' (first on line 1)",
        f"data/genes_notype.gtf, line 1: gene '{first_gene}' has no gene_type or "
        "gene_biotype attribute",
    ):
        assert expected in log and expected in output, expected
    assert leftovers(
        workdir, ["results/references/genes.tsv", "results/references/genome.chrom_sizes"]
    ) == []


def test_sample_with_zero_counts_fails_its_de_job(bad_run):
    workdir, output, _ = bad_run
    expected = (
        f"contrast '{CONTRAST}': sample(s) S05_res_loc have zero counts after filtering; "
        "exclude them (QC) or check their libraries"
    )
    assert expected in log_text(workdir, f"logs/diffexp/{CONTRAST}.mirna.log")
    assert expected in output
    assert leftovers(workdir, [f"results/de/{CONTRAST}/mirna.tsv"]) == []


def test_nothing_else_ran(bad_run):
    workdir, _, _ = bad_run
    assert sorted(p.name for p in (workdir / "logs").iterdir()) == [
        "bowtie_index",
        "check_longrna_reference",
        "diffexp",
        "mirbase_arms",
        "prepare_cascade_reference",
        "quantify_smallrna",
        "trim_longrna",
    ]

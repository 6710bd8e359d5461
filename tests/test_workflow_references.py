"""The long-RNA reference as GENCODE and Ensembl distribute it, through the real workflow.

A reduced long-RNA demo (four long-RNA libraries of the demo, two per level of
resistant_vs_sensitive, no small-RNA libraries) runs from the demo genome and GTF gzipped,
the GTF rewritten as Ensembl writes it (no gene lines, gene_biotype, two genes on a
sequence the genome lacks). Its gene counts must equal the plain demo's for the same
libraries: the reference is decompressed once under results/references/, STAR and
featureCounts read the prepared files, and the genes the genome cannot hold are left out
with one warning.
"""

import gzip

import pandas as pd
import pytest
import yaml

from conftest import copy_workflow, snakemake
from test_references import EXTRA_CONTIG, ensembl_gtf

pytestmark = pytest.mark.workflow

LIBRARIES = ("L01_res_met", "L02_res_met", "L07_sen_met", "L08_sen_met")
CONTRAST = "resistant_vs_sensitive"
MATRICES = ("results/counts/genes.tsv", "results/counts/lncrna.tsv")


@pytest.fixture(scope="module")
def distributed_run(tmp_path_factory):
    """The reduced long-RNA demo run from a gzipped genome and an Ensembl-style gzipped GTF."""
    workdir = copy_workflow(tmp_path_factory.mktemp("distributed_references"))
    longrna = workdir / "resources" / "demo" / "longrna"
    (workdir / "data").mkdir()
    genome = workdir / "data" / "genome.fa.gz"
    genome.write_bytes(gzip.compress((longrna / "genome.fa").read_bytes(), mtime=0))
    gtf = workdir / "data" / "ensembl.gtf.gz"
    rewritten = ensembl_gtf((longrna / "genes.gtf").read_text())
    gtf.write_bytes(gzip.compress(rewritten.encode(), mtime=0))
    lines = (workdir / "config" / "samples.tsv").read_text().splitlines()
    keep = [line for line in lines[1:] if line.split("\t")[0] in LIBRARIES]
    assert len(keep) == len(LIBRARIES)
    (workdir / "config" / "long.tsv").write_text("\n".join([lines[0]] + keep) + "\n")
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    config["samples"] = "config/long.tsv"
    config["longrna"]["genome"] = "data/genome.fa.gz"
    config["longrna"]["gtf"] = "data/ensembl.gtf.gz"
    # batch is confounded with resistance in these four libraries, metastasis constant
    contrast = dict(config["diffexp"]["contrasts"][CONTRAST], covariates=[])
    config["diffexp"]["contrasts"] = {CONTRAST: contrast}
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    snakemake(workdir, *MATRICES, "--cores", "2")
    return workdir


@pytest.mark.parametrize("matrix", MATRICES)
def test_distributed_reference_gives_the_plain_demo_counts(distributed_run, demo_run, matrix):
    counts = pd.read_csv(distributed_run / matrix, sep="\t", index_col=0)
    plain = pd.read_csv(demo_run / matrix, sep="\t", index_col=0)
    assert list(counts.columns) == ["gene_name", *LIBRARIES]
    pd.testing.assert_frame_equal(counts, plain[["gene_name", *LIBRARIES]])
    assert counts[list(LIBRARIES)].to_numpy().sum() > 0


def test_reference_is_prepared_once_plain_without_the_missing_contig(distributed_run):
    references = distributed_run / "results" / "references"
    demo = distributed_run / "resources" / "demo" / "longrna"
    assert (references / "genome.fa").read_bytes() == (demo / "genome.fa").read_bytes()
    prepared_gtf = (references / "genes.gtf").read_text()
    assert EXTRA_CONTIG not in prepared_gtf and "gene_biotype" in prepared_gtf
    log = (
        distributed_run / "logs" / "check_longrna_reference" / "check_longrna_reference.log"
    ).read_text()
    warnings = [line for line in log.splitlines() if " WARNING " in line]
    assert len(warnings) == 1, log
    assert (
        f"2 gene(s) of data/ensembl.gtf.gz lie on 1 sequence(s) absent from "
        f"data/genome.fa.gz and are left out of the prepared GTF and the gene table"
    ) in warnings[0]
    assert f"{EXTRA_CONTIG} (2)" in warnings[0]
    # STAR indexed the prepared files, not the gzipped ones it cannot read
    star_log = (distributed_run / "logs" / "star_index" / "star_index.log").read_text()
    assert (
        "--genomeFastaFiles results/references/genome.fa "
        "--sjdbGTFfile results/references/genes.gtf"
    ) in star_log

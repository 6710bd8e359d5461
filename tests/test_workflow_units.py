"""A library sequenced on two units (lanes) gives the per-library outputs of the unsplit one.

The fixture copies the workflow, splits one small-RNA demo library (S01_res_met) and one
paired long-RNA library (L01_res_met) into two units each (the first half of the reads and
the second half, gzipped), writes the demo sheet with a unit column and those libraries as
two rows each, and builds only their per-library tables. The units are merged before
trimming (rule merge_units), so every table must be the one the whole demo (``demo_run``,
unsplit) wrote. Files that record their input file names (cutadapt's JSON report) or a
temporary directory (featureCounts' header) are compared on their counts only.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

SMALL, LONG = "S01_res_met", "L01_res_met"
TARGETS = [
    f"results/smallrna/{SMALL}/mirna_counts.tsv",
    f"results/featurecounts/{LONG}.tsv",
    f"results/circrna/{LONG}.pass1.tsv",
]
# Per-library tables that must be byte-identical to the unsplit library's.
IDENTICAL = [
    f"results/smallrna/{SMALL}/{name}"
    for name in (
        "mirna_counts.tsv",
        "isomirs.tsv",
        "mirna_summary.tsv",
        "biotypes.tsv",
        "collapse.json",
        "collapsed.fa",
    )
] + [
    f"results/star/{LONG}/ReadsPerGene.out.tab",
    f"results/star/{LONG}/SJ.out.tab",
    f"results/star/{LONG}/strandedness.json",
    f"results/circrna/{LONG}.pass1.tsv",
]


def split_in_two(source: Path, first: Path, second: Path) -> int:
    """Write the first half of a FASTQ file's reads to ``first``, the rest to ``second``
    (both gzipped); return the number of reads."""
    lines = gzip.decompress(source.read_bytes()).splitlines(keepends=True)
    half = len(lines) // 8 * 4
    for path, part in ((first, lines[:half]), (second, lines[half:])):
        with gzip.GzipFile(path, "wb", mtime=0) as handle:
            handle.write(b"".join(part))
    return len(lines) // 4


def unit_rows(row: str, files: list[list[str]]) -> list[str]:
    """The sheet row of a sample as two units, with each unit's [fastq_1, fastq_2]."""
    sample, library, _, _, *rest = row.split("\t")
    return [
        "\t".join([sample, f"L00{n}", library, *unit, *rest])
        for n, unit in enumerate(files, start=1)
    ]


@pytest.fixture(scope="module")
def units_run(tmp_path_factory) -> Path:
    workdir = copy_workflow(tmp_path_factory.mktemp("units"))
    data = workdir / "units"
    data.mkdir()
    demo = workdir / "resources" / "demo"
    small = [data / f"{SMALL}_L00{n}.fastq.gz" for n in (1, 2)]
    split_in_two(demo / "smallrna" / f"{SMALL}.fastq.gz", *small)
    long = {}
    for mate in ("R1", "R2"):
        long[mate] = [data / f"{LONG}_L00{n}_{mate}.fastq.gz" for n in (1, 2)]
        split_in_two(demo / "longrna" / "reads" / f"{LONG}_{mate}.fastq.gz", *long[mate])
    header, *rows = (workdir / "config" / "samples.tsv").read_text().splitlines()
    sheet = ["\t".join(["sample", "unit", *header.split("\t")[1:]])]
    for row in rows:
        sample, rest = row.split("\t", 1)
        if sample == SMALL:
            sheet += unit_rows(row, [[f"units/{p.name}", ""] for p in small])
        elif sample == LONG:
            pairs = zip(long["R1"], long["R2"])
            sheet += unit_rows(row, [[f"units/{a.name}", f"units/{b.name}"] for a, b in pairs])
        else:
            sheet.append(f"{sample}\t\t{rest}")
    (workdir / "config" / "units.tsv").write_text("\n".join(sheet) + "\n")
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    config["samples"] = "config/units.tsv"
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    snakemake(workdir, *TARGETS, "--cores", "2")
    return workdir


def test_units_are_merged_before_trimming(units_run):
    for name in (f"{SMALL}_R1", f"{LONG}_R1", f"{LONG}_R2"):
        log = (units_run / "logs" / "merge_units" / f"{name}.log").read_text()
        assert log.count("gzip,") == 2, log
        # temporary: gone once trimming has read it
        assert not (units_run / "results" / "merged" / f"{name}.fastq.gz").exists()
    assert not (units_run / "logs" / "merge_units" / "S02_res_met_R1.log").exists()


@pytest.mark.parametrize("table", IDENTICAL)
def test_per_library_tables_equal_the_unsplit_library(units_run, demo_run, table):
    split, whole = units_run / table, demo_run / table
    assert split.read_bytes() == whole.read_bytes(), f"{table} differs"


@pytest.mark.parametrize("mate", ["R1", "R2"])
def test_trimmed_reads_equal_the_unsplit_library(units_run, demo_run, mate):
    name = f"results/trimmed/long/{LONG}_{mate}.fastq.gz"
    split = gzip.decompress((units_run / name).read_bytes())
    assert split == gzip.decompress((demo_run / name).read_bytes())


def test_gene_counts_equal_the_unsplit_library(units_run, demo_run):
    def counts(run):
        table = pd.read_csv(run / f"results/featurecounts/{LONG}.tsv", sep="\t", comment="#")
        return table.set_index("Geneid").iloc[:, -1]

    split = counts(units_run)
    assert split.sum() > 0
    assert split.equals(counts(demo_run))

"""QIAseq libraries with UMIs through the workflow: umi_tools extraction, trimming with the
qiaseq preset and counting molecules instead of reads.

The fixture draws a QIAseq cohort with the demo generator (resources/demo/simulate_smallrna.py
--protocol qiaseq --pcr-duplicates: every molecule is read 3 times on average, each copy
carrying its molecule's 12-nt UMI after the 3' adapter; truth/mirna_counts.tsv counts
molecules), puts its small-RNA rows in place of the demo's in a copy of the workflow with
`trimming.protocol: qiaseq`, and builds the mature miRNA counts of three libraries. Counting
reads instead of molecules would overshoot the truth about threefold.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO, copy_workflow, snakemake

pytestmark = pytest.mark.workflow

RUN_SAMPLES = ["S01_res_met", "S05_res_loc", "S10_sen_loc"]
READS = 9000


@pytest.fixture(scope="module")
def umi_run(tmp_path_factory) -> Path:
    workdir = copy_workflow(tmp_path_factory.mktemp("umi"))
    data = workdir / "umi_data"
    subprocess.run(
        [sys.executable, str(REPO / "resources" / "demo" / "simulate_smallrna.py"),
         "--outdir", str(data), "--reads", str(READS), "--protocol", "qiaseq",
         "--pcr-duplicates"],
        check=True, capture_output=True,
    )
    generated = pd.read_csv(data / "smallrna_samples.tsv", sep="\t", dtype=str,
                            keep_default_na=False)
    generated["fastq_1"] = [f"umi_data/smallrna/{s}.fastq.gz" for s in generated["sample"]]
    demo = pd.read_csv(workdir / "config" / "samples.tsv", sep="\t", dtype=str,
                       keep_default_na=False)
    small = generated.reindex(columns=demo.columns, fill_value="")
    sheet = pd.concat([small, demo[demo["library"] == "long"]])
    sheet.to_csv(workdir / "config" / "umi_samples.tsv", sep="\t", index=False)
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    config["samples"] = "config/umi_samples.tsv"
    config["trimming"]["protocol"] = "qiaseq"
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    targets = [f"results/smallrna/{s}/mirna_counts.tsv" for s in RUN_SAMPLES]
    snakemake(workdir, *targets, "--cores", "2")
    return workdir


def test_umis_are_extracted_before_trimming(umi_run):
    for sample in RUN_SAMPLES:
        extracted = umi_run / "results" / "umi" / f"{sample}.fastq.gz"
        assert extracted.is_file()
        log = (umi_run / "logs" / "umi_extract" / f"{sample}.log").read_text()
        assert f"Input Reads: {READS}" in log, log[-2000:]
        # Reads without the adapter-UMI layout (adapter dimers have no insert for the
        # pattern's ".+") are dropped, and counted as such.
        kept = int(re.search(r"Reads output: (\d+)", log).group(1))
        dropped = int(re.search(r"regex does not match read1: (\d+)", log).group(1))
        assert kept + dropped == READS
        assert kept > 0.95 * READS, log[-2000:]


def test_molecules_not_reads_are_counted(umi_run):
    truth = pd.read_csv(umi_run / "umi_data" / "truth" / "mirna_counts.tsv", sep="\t",
                        index_col=0)
    for sample in RUN_SAMPLES:
        stats = json.loads(
            (umi_run / "results" / "smallrna" / sample / "collapse.json").read_text()
        )
        assert stats["umi"] is True
        # PCR copies: about 3 reads per molecule among the reads kept by trimming.
        assert 2.5 < stats["reads"] / stats["molecules"] < 3.5, stats

        counts = pd.read_csv(umi_run / "results" / "smallrna" / sample / "mirna_counts.tsv",
                             sep="\t", index_col=0)["count"]
        expected = truth[sample]
        # Totals: molecules, within 3%. Reads would give about 3x, and distinct
        # (sequence, UMI) pairs without error correction about 1.15x.
        ratio = counts.sum() / expected.sum()
        assert 0.97 < ratio < 1.03, (sample, counts.sum(), expected.sum())
        # Per miRNA, on log2(count + 1) of the miRNAs the library holds.
        both = pd.concat([expected.rename("truth"), counts.rename("counted")], axis=1).fillna(0)
        both = both[both["truth"] > 0]
        r = both.apply(lambda c: c.map(lambda v: math.log2(v + 1))).corr().iloc[0, 1]
        assert r > 0.99, (sample, r)

"""Runs a lab meets on day one, end to end: counts only, one library, classes that come out
empty, every library failing QC. Each must finish (exit 0) with header-only tables where
there is nothing, and a report that says what was left out and why.

Runs (each in its own copy of the workflow, from the demo's reads and references):
- ``one_library``: a sheet of one small-RNA library (S01_res_met) and a config with no
  ``diffexp`` section at all: counts, QC, detected catalog cargo and the report.
- ``empty_cohort``: two small-RNA and two long-RNA libraries per level of one contrast
  (S01, S02 / S07, S08 resistant / sensitive; L01, L02 / L07, L08), with circRNA calls that
  need 100,000 reads (none is called), an lncRNA gene type the demo GTF lacks (no lncRNA),
  and QC thresholds no library reaches (every library fails, so DE has no library left
  and is skipped for every class).
"""

import re
from html import unescape

import pandas as pd
import pytest
import yaml

from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.workflow


def write_run(workdir, rows: list[str], edit) -> str:
    """Sheet of the demo rows whose sample name starts with one of ``rows``, and a config
    file (the demo's, changed by ``edit``) naming it; returns the config's path."""
    lines = (workdir / "config" / "samples.tsv").read_text().splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if line.split("\t")[0][:3] in rows]
    (workdir / "config" / "run.tsv").write_text("\n".join(kept) + "\n")
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    config["samples"] = "config/run.tsv"
    edit(config)
    (workdir / "config" / "run.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return "config/run.yaml"


def report_text(workdir) -> str:
    """The report's text, without markup and embedded images."""
    html = (workdir / "results" / "report.html").read_text()
    html = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def header_only(path) -> bool:
    return len(path.read_text().splitlines()) == 1


@pytest.fixture(scope="module")
def one_library(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("one_library"))

    def counts_only(config):
        del config["diffexp"]
        del config["longrna"]

    configfile = write_run(workdir, ["S01"], counts_only)
    snakemake(workdir, "--cores", "2", "--configfile", configfile)
    return workdir


@pytest.fixture(scope="module")
def empty_cohort(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("empty_cohort"))

    def empty(config):
        config["circrna"] = {"known": "", "min_reads": 100_000}
        config["longrna"]["gene_types"] = {"lncrna": ["no_such_type"], "mrna": ["protein_coding"]}
        config["qc"]["fail"] = {"min_annotated_reads": 10**9, "min_assigned_reads": 10**9}
        contrast = dict(config["diffexp"]["contrasts"]["resistant_vs_sensitive"], covariates=[])
        config["diffexp"]["contrasts"] = {"resistant_vs_sensitive": contrast}

    configfile = write_run(workdir, ["S01", "S02", "S07", "S08", "L01", "L02", "L07", "L08"],
                           empty)
    snakemake(workdir, "--cores", "2", "--configfile", configfile)
    return workdir


def test_one_library_without_contrasts_gives_counts_and_detected_cargo(one_library):
    counts = pd.read_csv(one_library / "results/counts/mirna.tsv", sep="\t", index_col=0)
    assert list(counts.columns) == ["S01_res_met"] and counts["S01_res_met"].sum() > 10_000
    assert not (one_library / "results/de").exists()
    detected = pd.read_csv(one_library / "results/cargo/detected.tsv", sep="\t")
    # hsa-miR-21-5p is planted in every demo library and is catalog cargo
    assert "hsa-miR-21-5p" in set(detected["feature_id"])
    assert set(detected["libraries"]) == {1}
    assert header_only(one_library / "results/vst/mirna.tsv")


def test_one_library_report_says_nothing_was_tested(one_library):
    text = report_text(one_library)
    assert "No contrast is configured" in text
    assert "Catalog cargo in these libraries" in text


def test_empty_classes_give_header_only_tables(empty_cohort):
    results = empty_cohort / "results"
    for table in ("counts/circrna.tsv", "counts/lncrna.tsv", "vst/circrna.tsv",
                  "vst/lncrna.tsv"):
        assert header_only(results / table), table
    assert len((results / "counts/mrna.tsv").read_text().splitlines()) > 10
    for plot in ("circrna/pca.png", "lncrna/sample_distances.png"):
        assert (results / "plots" / plot).stat().st_size > 0


def test_every_library_failing_qc_skips_de_and_the_report_says_why(empty_cohort):
    results = empty_cohort / "results"
    qc_table = pd.read_csv(results / "qc/samples.tsv", sep="\t")
    assert set(qc_table["verdict"]) == {"fail"}
    for rna_class in ("mirna", "lncrna", "mrna", "circrna"):
        table = results / f"de/resistant_vs_sensitive/{rna_class}.tsv"
        assert header_only(table) and table.read_text().startswith("feature_id\t")
    log = (empty_cohort / "logs/diffexp/resistant_vs_sensitive.mirna.log").read_text()
    assert "not tested" in log and "keeps 0 sample(s)" in log
    text = report_text(empty_cohort)
    assert text.count("not tested") == 4
    assert "after leaving out samples that failed QC" in text

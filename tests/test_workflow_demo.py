"""The demo run end to end, compared with the generator's planted truth."""

import re

import pandas as pd
import pytest

import evaluate_demo as ev
from conftest import REPO, snakemake
from exocargo import tables

pytestmark = pytest.mark.workflow

TRUTH = REPO / "resources" / "demo" / "truth"
CONTRASTS = ["resistant_vs_sensitive", "metastatic_vs_localized"]
ALPHA = 0.05


def test_mirna_counts_match_truth(demo_run):
    observed = pd.read_csv(demo_run / "results/counts/mirna.tsv", sep="\t", index_col=0)
    truth = pd.read_csv(TRUTH / "mirna_counts.tsv", sep="\t", index_col=0)
    assert set(truth.columns) <= set(observed.columns)
    missing = truth.index.difference(observed.index)
    assert missing.empty, f"truth features absent from the matrix: {list(missing)[:5]}"
    r = ev.mirna_correlation(demo_run)
    assert r >= 0.99, f"Pearson r on log2(count+1) = {r:.4f}"
    # Reads do not appear from nowhere: a read with a sequencing error can tie with a
    # paralog one base away (let-7b/let-7c), but no more than 0.5% of miRNA reads may land
    # on miRNAs the demo never expressed.
    everything = pd.read_csv(demo_run / "results/counts/mirna.tsv", sep="\t", index_col=0)
    elsewhere = everything.drop(index=truth.index).to_numpy().sum()
    assert elsewhere <= 0.005 * everything.to_numpy().sum(), elsewhere


@pytest.mark.parametrize("contrast", CONTRASTS)
def test_planted_de_recovered(demo_run, contrast):
    figures = ev.de_figures(demo_run, contrast, "mirna")
    assert figures["planted"] >= 20, figures
    assert figures["recall"] >= 0.9, figures
    assert figures["fdr"] <= 0.1, figures
    assert figures["signs_agree"], figures


PLANTED_CARGO = {
    "resistant_vs_sensitive": ["hsa-miR-222-3p", "hsa-miR-1246", "hsa-miR-567"],
    "metastatic_vs_localized": ["hsa-miR-105-5p", "hsa-miR-200c-3p", "hsa-miR-130a-3p"],
}


@pytest.mark.parametrize("contrast", CONTRASTS)
def test_planted_catalog_mirnas_annotated(demo_run, contrast):
    cargo = tables.read_cargo_table(demo_run / f"results/cargo/{contrast}.tsv")
    truth = pd.read_csv(TRUTH / "mirna_log2fc.tsv", sep="\t", index_col="feature_id")
    for feature in PLANTED_CARGO[contrast]:
        planted = "up" if truth.loc[feature, contrast] > 0 else "down"
        rows = cargo[(cargo["feature_id"] == feature) & cargo["in_catalog"]]
        assert not rows.empty, f"{feature} missing from results/cargo/{contrast}.tsv"
        # claims whose context fits the contrast (e.g. a metastasis-detection biomarker
        # claim fits metastatic_vs_localized)
        fitting = rows[rows["context_fits"] == "yes"]
        assert (fitting["catalog_direction"] == planted).any(), (
            f"{feature}: catalog directions {sorted(set(fitting['catalog_direction']))}, "
            f"planted {planted}"
        )
        agreeing = fitting[fitting["catalog_direction"] == planted]
        assert set(agreeing["direction_agrees"]) == {"yes"}
        assert set(agreeing["observed_direction"]) == {planted}
        assert all(re.fullmatch(r"\d+(-\d+)?([,;] ?\d+(-\d+)?)*", str(r)) for r in agreeing["reference"])


def test_second_run_has_nothing_to_do(demo_run):
    result = snakemake(demo_run, "--cores", "2", "--dry-run")
    assert "Nothing to be done" in result.stdout + result.stderr

"""Compare a finished demo run with the demo's planted truth and print the figures.

    .venv/bin/python resources/demo/evaluate_demo.py RUN_DIR

RUN_DIR is a directory where `snakemake --cores N` ran the default demo (config/samples.tsv
and config/config.yaml as shipped). The figures are the ones the workflow tests assert
(tests/test_workflow_demo.py, tests/test_workflow_longrna.py), computed here by the same
functions: miRNA counts against truth/mirna_counts.tsv, planted DE recall and FDR per
contrast and RNA class, circRNA calls against longrna/truth/circrna_bsj.tsv, gene counts
against longrna/truth/gene_counts_with_circrna.tsv, and the inferred strandedness.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

DEMO = Path(__file__).resolve().parent
SMALL_TRUTH = DEMO / "truth"
LONG = DEMO / "longrna"
LONG_TRUTH = LONG / "truth"
CONTRASTS = ("resistant_vs_sensitive", "metastatic_vs_localized")
ALPHA = 0.05
PLACE = ["chrom", "start", "end", "strand"]
GENE_TYPE_OF_CLASS = {"lncrna": "lncRNA", "mrna": "protein_coding"}


def long_samples() -> list[str]:
    """The long-RNA demo libraries, in sheet order."""
    return list(pd.read_csv(LONG / "longrna_samples.tsv", sep="\t", dtype=str)["sample"])


def circle_pairs(run: Path) -> pd.DataFrame:
    """(sample, circle) pairs of truth and calls: true and counted BSJ fragments.

    Circles are matched on exact BED coordinates and strand; a call at other coordinates
    pairs with a truth of 0.
    """
    truth = pd.read_csv(LONG_TRUTH / "circrna_bsj.tsv", sep="\t")
    rows = []
    for sample in long_samples():
        calls = pd.read_csv(run / f"results/circrna/{sample}.bsj.tsv", sep="\t")
        counted = dict(zip(map(tuple, calls[PLACE].values.tolist()), calls["bsj"]))
        expected = dict(zip(map(tuple, truth[PLACE].values.tolist()), truth[sample]))
        for place in sorted(set(counted) | set(expected)):
            rows.append((sample, *place, expected.get(place, 0), counted.get(place, 0)))
    return pd.DataFrame(rows, columns=["sample", *PLACE, "truth", "called"])


def circrna_figures(pairs: pd.DataFrame, min_truth: int = 5) -> dict:
    """Precision of the calls, sensitivity and counted/true BSJ fragments over the pairs
    with at least ``min_truth`` true fragments, and the per-circle range of that ratio."""
    calls = pairs[pairs["called"] > 0]
    tested = pairs[pairs["truth"] >= min_truth]
    per_circle = tested.groupby(PLACE)[["truth", "called"]].sum()
    ratio = per_circle["called"] / per_circle["truth"]
    return {
        "calls": len(calls),
        "calls_at_planted_circles": int((calls["truth"] > 0).sum()),
        "precision": float((calls["truth"] > 0).mean()),
        "tested_pairs": len(tested),
        "found_pairs": int((tested["called"] > 0).sum()),
        "sensitivity": float((tested["called"] > 0).mean()),
        "count_ratio": float(tested["called"].sum() / tested["truth"].sum()),
        "per_circle_ratio_min": float(ratio.min()),
        "per_circle_ratio_max": float(ratio.max()),
    }


def log_correlation(observed: pd.DataFrame, truth: pd.DataFrame) -> float:
    """Pearson r of log2(count + 1) over the truth's features and samples."""
    observed = observed.loc[truth.index, truth.columns]
    x = np.log2(truth.to_numpy().ravel() + 1)
    y = np.log2(observed.to_numpy().ravel() + 1)
    return float(np.corrcoef(x, y)[0, 1])


def mirna_correlation(run: Path) -> float:
    """Pearson r of log2(count + 1) of the miRNA matrix against the truth, over the cells
    (feature x sample) where the truth has reads."""
    truth = pd.read_csv(SMALL_TRUTH / "mirna_counts.tsv", sep="\t", index_col=0)
    observed = pd.read_csv(run / "results/counts/mirna.tsv", sep="\t", index_col=0)
    cells = truth.to_numpy() > 0
    x = np.log2(truth.to_numpy()[cells] + 1)
    y = np.log2(observed.loc[truth.index, truth.columns].to_numpy()[cells] + 1)
    return float(np.corrcoef(x, y)[0, 1])


def gene_truth(rna_class: str) -> pd.DataFrame:
    """Gene counts a gene-level counter should see, for the genes of one class."""
    types = pd.read_csv(LONG_TRUTH / "gene_log2fc.tsv", sep="\t", index_col="gene_id")
    counts = pd.read_csv(LONG_TRUTH / "gene_counts_with_circrna.tsv", sep="\t", index_col=0)
    return counts.loc[types.index[types["gene_type"] == GENE_TYPE_OF_CLASS[rna_class]]]


def planted_effects(rna_class: str) -> pd.DataFrame:
    """Planted log2 fold changes (one column per contrast) of the features of a class."""
    if rna_class == "mirna":
        return pd.read_csv(SMALL_TRUTH / "mirna_log2fc.tsv", sep="\t", index_col="feature_id")
    if rna_class == "circrna":
        return pd.read_csv(LONG_TRUTH / "circrna_log2fc.tsv", sep="\t", index_col="circ_id")
    genes = pd.read_csv(LONG_TRUTH / "gene_log2fc.tsv", sep="\t", index_col="gene_id")
    return genes[genes["gene_type"] == GENE_TYPE_OF_CLASS[rna_class]]


def de_figures(run: Path, contrast: str, rna_class: str) -> dict:
    """Recall of the planted effects with |log2FC| >= 1 and the false discovery proportion
    (hits among features null in the contrast) at padj < ALPHA, and whether every planted
    hit has the planted sign."""
    result = pd.read_csv(run / f"results/de/{contrast}/{rna_class}.tsv", sep="\t",
                         index_col="feature_id")
    truth = planted_effects(rna_class)
    called = set(result.index[result["padj"] < ALPHA])
    planted = set(truth.index[truth[contrast].abs() >= 1])
    null = set(result.index) - set(truth.index[truth[contrast] != 0])
    found = sorted(called & planted)
    signs = np.sign(result.loc[found, "log2FoldChange"]) == np.sign(truth.loc[found, contrast])
    return {
        "planted": len(planted),
        "found": len(found),
        "recall": len(found) / len(planted),
        "called": len(called),
        "false": len(called & null),
        "fdr": len(called & null) / max(len(called), 1),
        "signs_agree": bool(signs.all()),
    }


def strandedness_calls(run: Path) -> dict[str, dict]:
    """The strandedness record of every long-RNA library."""
    return {
        sample: json.loads((run / f"results/star/{sample}/strandedness.json").read_text())
        for sample in long_samples()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="directory of a finished demo run")
    run = parser.parse_args(argv).run

    r = mirna_correlation(run)
    print(f"miRNA counts vs truth: Pearson r on log2(count+1), cells with reads: {r:.5f}")
    for rna_class in GENE_TYPE_OF_CLASS:
        counts = pd.read_csv(run / f"results/counts/{rna_class}.tsv", sep="\t", index_col=0)
        r = log_correlation(counts, gene_truth(rna_class))
        print(f"{rna_class} counts vs truth: Pearson r on log2(count+1): {r:.5f}")

    f = circrna_figures(circle_pairs(run))
    print(
        f"circRNA calls: {f['calls_at_planted_circles']}/{f['calls']} at planted circles "
        f"(precision {f['precision']:.3f}); sample x circle pairs with >= 5 true BSJ "
        f"fragments found {f['found_pairs']}/{f['tested_pairs']} (sensitivity "
        f"{f['sensitivity']:.3f}); counted/true BSJ fragments {f['count_ratio']:.4f}, per "
        f"circle {f['per_circle_ratio_min']:.3f}-{f['per_circle_ratio_max']:.3f}"
    )
    print("planted DE (|true log2FC| >= 1, padj < 0.05):")
    for contrast in CONTRASTS:
        for rna_class in ("mirna", "lncrna", "mrna", "circrna"):
            d = de_figures(run, contrast, rna_class)
            print(
                f"  {contrast:24s} {rna_class:8s} recall {d['found']}/{d['planted']} = "
                f"{d['recall']:.3f}, FDR {d['false']}/{d['called']} = {d['fdr']:.3f}, "
                f"signs agree: {d['signs_agree']}"
            )
    calls = strandedness_calls(run)
    used = sorted({c["strandedness"] for c in calls.values()})
    inferred = sorted({c["inferred"] for c in calls.values()})
    print(f"strandedness of {len(calls)} long-RNA libraries: inferred {inferred}, used {used}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

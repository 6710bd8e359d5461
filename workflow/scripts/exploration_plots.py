"""Variance-stabilised counts of one RNA class, their PCA and sample-distance heatmap."""

import logging

import pandas as pd

from exocargo import qc, qcplots
from exocargo.io import atomic_output, run_logged
from exocargo.samplesheet import read_sheet

log = logging.getLogger(__name__)


def read_matrix(path):
    """A count matrix (feature x sample), without the gene_name column of gene matrices."""
    counts = pd.read_csv(path, sep="\t", index_col="feature_id", dtype={"feature_id": str})
    return counts.drop(columns=["gene_name"], errors="ignore")


def main(snakemake):
    rna_class = snakemake.wildcards.rna_class
    counts = read_matrix(snakemake.input.counts)
    vst = qcplots.variance_stabilised(counts)
    with atomic_output(snakemake.output.vst) as path:
        vst.to_csv(path, sep="\t", float_format="%.6g")
    sheet = read_sheet(snakemake.input.samples).set_index("sample", drop=False)
    qc_table = qc.read_qc_table(snakemake.input.qc_table).set_index("sample")
    verdicts = qc_table["verdict"]
    conditions = list(snakemake.params.conditions)
    views = [("all samples", *qcplots.pca(vst))]
    # Failing libraries can dominate the first components; the samples DE uses get their own.
    kept = [s for s in vst.columns if qc_table.loc[s, "excluded_from_de"] != "yes"]
    if len(kept) < vst.shape[1] and len(kept) >= 3:
        views.append(("samples used in DE", *qcplots.pca(vst[kept])))
    for name, coords, explained in views:
        log.info("%s, %s: PCA on %d samples, variance explained %s", rna_class, name,
                 len(coords), [round(float(v), 3) for v in explained[:4]])
    qcplots.pca_figure(views, sheet, conditions, verdicts, rna_class,
                       [snakemake.output.pca, snakemake.output.pca_svg])
    qcplots.distance_figure(vst, sheet, conditions, rna_class,
                            [snakemake.output.distances, snakemake.output.distances_svg])


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

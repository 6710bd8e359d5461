"""Heatmap of the catalog cargo of one RNA class across samples (variance-stabilised)."""

import logging

from exocargo import qcplots, tables
from exocargo.io import run_logged
from exocargo.samplesheet import read_sheet

log = logging.getLogger(__name__)


def main(snakemake):
    rna_class = snakemake.wildcards.rna_class
    vst = tables.read_matrix(snakemake.input.vst)
    cargo = [tables.read_cargo_table(path) for path in snakemake.input.cargo]
    features = qcplots.cargo_features(cargo, rna_class)
    sheet = read_sheet(snakemake.input.samples).set_index("sample", drop=False)
    log.info("%s: %d catalog cargo features, %d measured", rna_class, len(features),
             features["feature_id"].isin(vst.index).sum())
    qcplots.cargo_heatmap_figure(
        vst, features, sheet, list(snakemake.params.conditions), rna_class,
        [snakemake.output.heatmap, snakemake.output.heatmap_svg],
    )


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

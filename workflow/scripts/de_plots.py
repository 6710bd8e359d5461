"""Volcano and MA plots of one contrast and RNA class with the catalog cargo marked."""

import logging

from exocargo import qcplots, tables
from exocargo.io import run_logged

log = logging.getLogger(__name__)


def main(snakemake):
    contrast = snakemake.wildcards.contrast
    rna_class = snakemake.wildcards.rna_class
    result = tables.read_de_table(snakemake.input.table)
    cargo = tables.read_cargo_table(snakemake.input.cargo)
    labels, catalog = qcplots.cargo_labels(cargo, rna_class)
    log.info("%s %s: %d catalog features, %d significant and named: %s", contrast,
             rna_class, len(catalog), len(labels), ", ".join(labels.values()))
    title = f"{contrast} ({rna_class})"
    alpha = snakemake.params.alpha
    qcplots.volcano_figure(result, title, alpha, labels, catalog,
                           [snakemake.output.volcano, snakemake.output.volcano_svg])
    qcplots.ma_figure(result, title, alpha, labels, catalog,
                      [snakemake.output.ma, snakemake.output.ma_svg])


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

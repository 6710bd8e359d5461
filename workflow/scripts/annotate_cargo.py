"""Annotate the DE tables of one contrast against the review-derived cargo catalog."""

import logging

import pandas as pd

from exocargo import catalog
from exocargo.io import atomic_output, run_logged
from exocargo.tables import read_de_table, write_table

log = logging.getLogger(__name__)


def main(snakemake):
    cargo = catalog.load_catalog(snakemake.input.catalog)
    context = snakemake.params.context
    alpha = snakemake.params.alpha
    annotated = []
    for rna_class, path in zip(snakemake.params.rna_classes, snakemake.input.tables):
        de = read_de_table(path)
        if "gene_name" not in de.columns:
            de["gene_name"] = ""
        annotated.append(catalog.annotate(de, rna_class, context, cargo, alpha))
    table = pd.concat(annotated, ignore_index=True)
    table.insert(0, "contrast", snakemake.wildcards.contrast)
    with atomic_output(snakemake.output.table) as path:
        write_table(table, path)
    log.info(
        "%s: %d rows, %d significant features, %d catalog claims matched",
        snakemake.wildcards.contrast,
        len(table),
        table.loc[table["significant"], "feature_id"].nunique(),
        int(table["in_catalog"].sum()),
    )


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

"""Annotate the DE tables of one contrast against the review-derived cargo catalog."""

import logging

import pandas as pd

from exocargo import catalog, diffexp
from exocargo.io import atomic_output, run_logged

log = logging.getLogger(__name__)


def main(snakemake):
    cargo = catalog.load_catalog(snakemake.input.catalog)
    context = snakemake.params.context
    alpha = snakemake.params.alpha
    tables = []
    for rna_class, path in zip(snakemake.params.rna_classes, snakemake.input.tables):
        de = diffexp.read_table(path)
        if "gene_name" not in de.columns:
            de["gene_name"] = ""
        tables.append(catalog.annotate(de, rna_class, context, cargo, alpha))
    table = pd.concat(tables, ignore_index=True)
    table.insert(0, "contrast", snakemake.wildcards.contrast)
    with atomic_output(snakemake.output.table) as path:
        diffexp.write_table(table, str(path))
    known = table[table["in_catalog"].astype(bool)]
    log.info(
        "%s: %d rows, %d significant features, %d catalog claims matched",
        snakemake.wildcards.contrast,
        len(table),
        table.loc[table["significant"].astype(bool), "feature_id"].nunique(),
        len(known),
    )


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

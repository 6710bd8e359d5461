"""List the catalog cargo that the run's count matrices detect (no contrast needed)."""

import logging

import pandas as pd

from exocargo import catalog, tables
from exocargo.io import atomic_output, run_logged

log = logging.getLogger(__name__)


def main(snakemake):
    cargo = catalog.load_catalog(snakemake.input.catalog)
    found = []
    for rna_class, path in zip(snakemake.params.rna_classes, snakemake.input.counts):
        detected = catalog.detected_cargo(tables.read_matrix(path), rna_class, cargo)
        log.info("%s: %d catalog molecules detected (%d claims)", rna_class,
                 detected["feature_id"].nunique(), len(detected))
        found.append(detected)
    table = pd.concat(found, ignore_index=True) if found else pd.DataFrame(
        columns=catalog.DETECTED_COLUMNS)
    with atomic_output(snakemake.output.table) as path:
        tables.write_table(table, path)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

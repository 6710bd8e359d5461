"""Merge per-sample count tables into one feature x sample integer matrix."""

import logging

import pandas as pd

from exocargo.io import atomic_output, run_logged
from exocargo.tables import write_table

log = logging.getLogger(__name__)


def main(snakemake):
    features = pd.read_csv(snakemake.input.features, sep="\t")["feature_id"]
    matrix = pd.DataFrame(index=sorted(set(features)))
    for sample, path in zip(snakemake.params.samples, snakemake.input.counts):
        table = pd.read_csv(path, sep="\t", index_col="feature_id")
        unknown = table.index.difference(matrix.index)
        if len(unknown):
            raise ValueError(f"{path}: features not in the reference: {list(unknown)[:5]}")
        matrix[sample] = table["count"].reindex(matrix.index, fill_value=0)
    matrix = matrix.fillna(0).astype(int)
    matrix.index.name = "feature_id"
    with atomic_output(snakemake.output.matrix) as path:
        write_table(matrix, path, index=True)
    log.info("%d features x %d samples", *matrix.shape)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

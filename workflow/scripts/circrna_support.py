"""Circles with a split (junction-crossing) read in any sample, from the first pass."""

import logging

import pandas as pd

from exocargo import circrna
from exocargo.io import atomic_output, run_logged
from exocargo.tables import write_table

log = logging.getLogger(__name__)


def main(snakemake):
    tables = [pd.read_csv(p, sep="\t", dtype={"chrom": str}) for p in snakemake.input.tables]
    support = circrna.split_supported(tables)
    with atomic_output(snakemake.output.support) as path:
        write_table(support, path)
    log.info("%d circles with split-read support in the cohort", len(support))


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

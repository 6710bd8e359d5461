"""Counts per million of one RNA class (and, for miRNAs, reads per million miRNA reads)."""

import logging

from exocargo import normalise, qc, tables
from exocargo.io import atomic_output, run_logged

log = logging.getLogger(__name__)


def main(snakemake):
    counts = tables.read_matrix(snakemake.input.counts)
    depth = normalise.library_depth(qc.read_qc_table(snakemake.input.qc_table),
                                    snakemake.params.library)
    with atomic_output(snakemake.output.cpm) as path:
        tables.write_table(normalise.per_million(counts, depth), path, index=True)
    if "per_class" in snakemake.output.keys():
        per_class = normalise.per_million(counts, normalise.class_totals(counts))
        with atomic_output(snakemake.output.per_class) as path:
            tables.write_table(per_class, path, index=True)
    log.info("%s: %d features x %d libraries; depth %s", snakemake.wildcards.rna_class,
             len(counts), len(depth), depth.to_dict())


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

"""Check the long-RNA genome and GTF once and write them as the tools read them.

Stops on a genome with duplicate sequence names, a GTF gene without a gene type, or a GTF
whose sequence names match nothing in the genome (see exocargo.genome). Writes the genome
and the GTF decompressed (the GTF without genes on sequences the genome lacks), the
sequence lengths (for STAR's index parameters) and the gene table (for the matrices); see
exocargo.references.
"""

import logging

from exocargo import references
from exocargo.io import atomic_output, run_logged
from exocargo.tables import write_table

log = logging.getLogger(__name__)


def main(snakemake):
    prepared = references.prepare_longrna(
        snakemake.input.genome,
        snakemake.input.gtf,
        snakemake.output.genome,
        snakemake.output.gtf,
    )
    with atomic_output(snakemake.output.chrom_sizes) as path:
        write_table(prepared.sizes, path, header=False)
    with atomic_output(snakemake.output.genes) as path:
        write_table(prepared.genes, path)
    log.info(
        "%s: %d sequences, %d bp; %s: %d genes",
        snakemake.input.genome,
        len(prepared.sizes),
        prepared.sizes["length"].sum(),
        snakemake.input.gtf,
        len(prepared.genes),
    )


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

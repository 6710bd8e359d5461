"""Check the long-RNA genome and GTF before STAR indexes them; write their tables.

Stops on a genome with duplicate sequence names, a GTF gene without a gene type, or a GTF
whose sequence names match nothing in the genome (see exocargo.genome). Writes the
sequence lengths (for STAR's index parameters) and the gene table (for the matrices).
"""

import logging

from exocargo import genes, genome
from exocargo.io import atomic_output, run_logged
from exocargo.tables import write_table

log = logging.getLogger(__name__)


def main(snakemake):
    # Both files are read before failing, so that one run reports all their problems.
    problems = []
    try:
        sizes = genome.chrom_sizes(snakemake.input.genome)
    except genes.AnnotationError as error:
        problems.append(str(error))
    try:
        table = genes.gene_table(snakemake.input.gtf)
    except genes.AnnotationError as error:
        problems.append(str(error))
    if problems:
        raise genes.AnnotationError("\n".join(problems))
    unplaced = genome.unplaced_genes(
        table, sizes, snakemake.input.gtf, snakemake.input.genome
    )
    if unplaced:
        log.warning(
            "%d genes of %s lie on sequences the genome lacks and will count 0: %s",
            len(unplaced),
            snakemake.input.gtf,
            ", ".join(unplaced[:10]),
        )
    with atomic_output(snakemake.output.chrom_sizes) as path:
        write_table(sizes, path, header=False)
    with atomic_output(snakemake.output.genes) as path:
        write_table(table, path)
    log.info(
        "%s: %d sequences, %d bp; %s: %d genes",
        snakemake.input.genome,
        len(sizes),
        sizes["length"].sum(),
        snakemake.input.gtf,
        len(table),
    )


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

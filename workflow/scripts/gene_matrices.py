"""lncRNA and mRNA count matrices from per-sample featureCounts tables."""

import logging

from exocargo import genes
from exocargo.io import atomic_output, run_logged
from exocargo.tables import write_table

log = logging.getLogger(__name__)


def main(snakemake):
    annotation = genes.read_gene_table(snakemake.input.genes)
    counts = {
        sample: genes.read_featurecounts(path)
        for sample, path in zip(snakemake.params.samples, snakemake.input.counts)
    }
    classes = dict(snakemake.params.gene_types)
    # Every gene type counted: the library-wide matrix the size factors come from.
    classes["genes"] = sorted(set(annotation["gene_type"]))
    matrices = genes.class_matrices(counts, annotation, classes)
    for rna_class, matrix in matrices.items():
        with atomic_output(getattr(snakemake.output, rna_class)) as path:
            write_table(matrix, path, index=True)
        log.info("%s: %d genes x %d samples", rna_class, len(matrix), matrix.shape[1] - 1)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

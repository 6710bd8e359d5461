"""circRNA x sample BSJ count matrix (filtered) and circular-to-linear ratio matrix."""

import logging

import pandas as pd

from exocargo import circrna, genes
from exocargo.io import atomic_output, run_logged
from exocargo.tables import write_table

log = logging.getLogger(__name__)


def main(snakemake):
    settings = snakemake.params.settings
    tables = {
        sample: pd.read_csv(path, sep="\t", dtype={"chrom": str, "circ_id": str})
        for sample, path in zip(snakemake.params.samples, snakemake.input.tables)
    }
    counts = circrna.merge_samples(tables, "bsj")
    kept = circrna.filter_matrix(counts, settings["min_reads"], settings["min_samples"])
    log.info(
        "%d circRNAs called, %d with >= %d BSJ fragments in >= %d samples",
        len(counts),
        len(kept),
        settings["min_reads"],
        settings["min_samples"],
    )
    # The DE and cargo steps read feature_id and gene_name like the gene matrices; a
    # circRNA's gene_name is its host gene.
    coordinates = circrna.circrna_coordinates(tables).loc[kept.index]
    hosts = circrna.host_genes(coordinates, genes.read_gene_table(snakemake.input.genes))
    matrix = kept.copy()
    matrix.insert(0, "gene_name", hosts)
    matrix.index.name = "feature_id"
    with atomic_output(snakemake.output.matrix) as path:
        write_table(matrix, path, index=True)
    ratio = circrna.merge_samples(tables, "ratio").loc[kept.index]
    ratio.index.name = "feature_id"
    with atomic_output(snakemake.output.ratio) as path:
        write_table(ratio, path, index=True, float_format="%.4f")


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

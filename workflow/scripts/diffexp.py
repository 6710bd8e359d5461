"""pydeseq2 differential expression of one RNA class for one contrast.

Its volcano and MA plots, with catalog cargo labelled, come from rule de_plots.
"""

import logging

import numpy as np
import pandas as pd

from exocargo import diffexp, qc, tables
from exocargo.io import atomic_output, run_logged
from exocargo.samplesheet import read_sheet

log = logging.getLogger(__name__)


def read_counts(path):
    """A count matrix and its gene names (None for a matrix without them, NA for a
    feature without one, e.g. an intergenic circRNA)."""
    counts = tables.read_table(path, index_col="feature_id", text=("gene_name",))
    if "gene_name" not in counts.columns:
        return counts, None
    return counts, counts.pop("gene_name").replace("", np.nan)


def tested_samples(snakemake, contrast):
    """The sheet rows of the job's samples that QC lets into the test (others logged)."""
    sheet = read_sheet(snakemake.input.samples).set_index("sample", drop=False)
    samples = sheet.loc[list(snakemake.params.samples)]
    kept, excluded = qc.samples_for_de(
        qc.read_qc_table(snakemake.input.qc_table),
        samples,
        contrast.variable,
        [contrast.case, contrast.control],
        contrast.name,
    )
    for sample, reason in excluded.items():
        log.warning("%s left out of %s (QC fail): %s", sample, contrast.name, reason)
    return samples.loc[kept]


def library_size_factors(paths, samples):
    """Size factors of the whole library ([] of paths: the class normalises itself)."""
    if not len(paths):
        return None
    library = tables.read_matrix(paths[0]).drop(columns="gene_name")
    size_factors = diffexp.median_of_ratios(library[samples.index])
    log.info("size factors: %s", size_factors.round(4).to_dict())
    return size_factors


def log_hits(result, contrast, rna_class, alpha):
    hits = tables.significant(result["padj"], alpha)
    log.info(
        "%s %s: %d features tested, %d significant (%d up, %d down)",
        contrast.name,
        rna_class,
        len(result),
        hits.sum(),
        (hits & (result["log2FoldChange"] > 0)).sum(),
        (hits & (result["log2FoldChange"] < 0)).sum(),
    )


def skip(snakemake, reason, with_gene_names):
    """A contrast QC leaves too few libraries for: the table's header, and why in the log
    (the report says it too). diffexp.strict: true makes it an error instead."""
    log.warning("%s %s not tested: %s (diffexp.strict: true makes this an error)",
                snakemake.wildcards.contrast, snakemake.wildcards.rna_class, reason)
    columns = list(diffexp.RESULT_COLUMNS)
    if with_gene_names:
        columns.insert(1, "gene_name")
    with atomic_output(snakemake.output.table) as path:
        tables.write_table(pd.DataFrame(columns=columns), path)


def main(snakemake):
    contrast = diffexp.Contrast.from_config(
        snakemake.wildcards.contrast, snakemake.params.contrast
    )
    counts, gene_names = read_counts(snakemake.input.counts)
    try:
        samples = tested_samples(snakemake, contrast)
    except qc.TooFewSamples as error:
        if snakemake.params.strict:
            raise
        skip(snakemake, error, gene_names is not None)
        return
    result = diffexp.run_deseq2(
        counts,
        samples,
        contrast,
        size_factors=library_size_factors(snakemake.input.size_factor_counts, samples),
        alpha=snakemake.params.alpha,
        min_count=snakemake.params.min_count,
        min_samples=snakemake.params.min_samples,
        n_cpus=snakemake.threads,
    )
    if gene_names is not None:
        result.insert(1, "gene_name", gene_names.reindex(result["feature_id"]).to_numpy())
    log_hits(result, contrast, snakemake.wildcards.rna_class, snakemake.params.alpha)
    with atomic_output(snakemake.output.table) as path:
        tables.write_table(result, path)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

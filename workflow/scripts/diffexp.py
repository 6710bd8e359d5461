"""pydeseq2 differential expression of one RNA class for one contrast.

Its volcano and MA plots, with catalog cargo labelled, come from rule de_plots.
"""

import logging

import pandas as pd

from exocargo import diffexp, qc
from exocargo.io import atomic_output, run_logged
from exocargo.samplesheet import read_sheet

log = logging.getLogger(__name__)


def main(snakemake):
    contrast = diffexp.Contrast.from_config(
        snakemake.wildcards.contrast, snakemake.params.contrast
    )
    counts = pd.read_csv(
        snakemake.input.counts, sep="\t", index_col="feature_id", dtype={"gene_name": str}
    )
    gene_names = counts.pop("gene_name") if "gene_name" in counts.columns else None
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
    samples = samples.loc[kept]
    size_factors = None
    if len(snakemake.input.size_factor_counts):
        # Size factors of the whole library, not of the class alone.
        library = pd.read_csv(
            snakemake.input.size_factor_counts[0], sep="\t", index_col="feature_id"
        ).drop(columns="gene_name")
        size_factors = diffexp.median_of_ratios(library[samples.index])
        log.info("size factors: %s", size_factors.round(4).to_dict())
    result = diffexp.run_deseq2(
        counts,
        samples,
        contrast,
        size_factors=size_factors,
        alpha=snakemake.params.alpha,
        min_count=snakemake.params.min_count,
        min_samples=snakemake.params.min_samples,
        n_cpus=snakemake.threads,
    )
    if gene_names is not None:
        result.insert(1, "gene_name", gene_names.reindex(result["feature_id"]).to_numpy())
    hits = diffexp.significant(result, snakemake.params.alpha)
    log.info(
        "%s %s: %d features tested, %d significant (%d up, %d down)",
        contrast.name,
        snakemake.wildcards.rna_class,
        len(result),
        hits.sum(),
        (hits & (result["log2FoldChange"] > 0)).sum(),
        (hits & (result["log2FoldChange"] < 0)).sum(),
    )
    with atomic_output(snakemake.output.table) as path:
        diffexp.write_table(result, str(path))


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

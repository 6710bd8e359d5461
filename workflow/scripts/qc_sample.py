"""QC metrics of one sample from its tools' reports (small- or long-RNA library)."""

import json
import logging
import math

import pandas as pd

from exocargo import qc
from exocargo.io import atomic_output, run_logged
from exocargo.tables import write_table

log = logging.getLogger(__name__)


def small_metrics(snakemake):
    """Metrics and read lengths of a small-RNA sample."""
    inputs = snakemake.input
    umi_counts = None
    if "umi_log" in inputs.keys():
        with open(inputs.umi_log) as handle:
            umi_counts = qc.umi_extract_counts(handle.read())
    with open(inputs.collapse) as handle:
        collapse_stats = json.load(handle)
    lengths = qc.read_lengths(inputs.collapsed)
    metrics = qc.small_sample_metrics(
        qc.read_cutadapt(inputs.cutadapt),
        collapse_stats,
        lengths,
        pd.read_csv(inputs.biotypes, sep="\t"),
        pd.read_csv(inputs.mirna_summary, sep="\t"),
        genome_step=snakemake.params.genome_step,
        rrna_step=snakemake.params.rrna_step,
        umi_counts=umi_counts,
    )
    table = lengths.reset_index()
    table.insert(0, "sample", snakemake.wildcards.sample)
    with atomic_output(snakemake.output.lengths) as path:
        write_table(table, path)
    return metrics


def long_metrics(snakemake):
    """Metrics of a long-RNA sample."""
    inputs = snakemake.input
    with open(inputs.star_log) as handle:
        star_log = handle.read()
    with open(inputs.strandedness) as handle:
        strandedness = json.load(handle)
    return qc.long_sample_metrics(
        qc.read_cutadapt(inputs.cutadapt),
        star_log,
        inputs.featurecounts,
        strandedness,
        # circRNA calling may be switched off: then there is no back-splice table
        inputs.bsj if "bsj" in inputs.keys() else None,
    )


def main(snakemake):
    library = snakemake.params.library
    metrics = small_metrics(snakemake) if library == "small" else long_metrics(snakemake)
    # JSON has no NaN: a metric that does not apply is null.
    clean = {
        key: None if isinstance(value, float) and math.isnan(value) else value
        for key, value in metrics.items()
    }
    record = {"sample": snakemake.wildcards.sample, "library": library, "metrics": clean}
    with atomic_output(snakemake.output.metrics) as path:
        path.write_text(json.dumps(record, indent=2) + "\n")
    log.info("%s (%s): %s", snakemake.wildcards.sample, library, clean)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

"""Merge per-sample QC metrics into the QC table with verdicts, and the composition and
read-length tables the figures and MultiQC use."""

import json
import logging

import pandas as pd

from exocargo import qc
from exocargo.tables import write_table
from exocargo.io import atomic_output, run_logged

log = logging.getLogger(__name__)


def main(snakemake):
    metrics, libraries = {}, {}
    for path in snakemake.input.metrics:
        with open(path) as handle:
            record = json.load(handle)
        metrics[record["sample"]] = record["metrics"]
        libraries[record["sample"]] = record["library"]
    table = qc.qc_table(
        metrics,
        libraries,
        snakemake.params.fail,
        snakemake.params.warn,
        snakemake.params.exclude_failed,
    )
    with atomic_output(snakemake.output.table) as path:
        write_table(table, path)
    composition = qc.composition(table)
    with atomic_output(snakemake.output.composition) as path:
        write_table(composition, path)
    wide = composition.pivot_table(
        index="sample", columns="category", values="reads", aggfunc="sum", fill_value=0
    )
    wide = wide.reindex(index=table["sample"], columns=list(dict.fromkeys(composition["category"])))
    with atomic_output(snakemake.output.composition_wide) as path:
        write_table(wide.fillna(0).astype(int), path, index=True)
    lengths = [pd.read_csv(p, sep="\t", dtype={"sample": str}) for p in snakemake.input.lengths]
    merged = (
        pd.concat(lengths, ignore_index=True)
        if lengths
        else pd.DataFrame(columns=["sample", "length", "reads"])
    )
    with atomic_output(snakemake.output.lengths) as path:
        write_table(merged, path)
    for row in table.itertuples():
        if row.verdict != qc.PASS:
            log.warning("%s: %s (%s)%s", row.sample, row.verdict, row.reasons,
                        "; left out of DE" if row.excluded_from_de == "yes" else "")
    log.info("verdicts: %s", table["verdict"].value_counts().to_dict())


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

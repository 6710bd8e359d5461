"""QC figures: where each sample's reads went, and read lengths (PNG and SVG)."""

import logging

from exocargo import qc, qcplots, tables
from exocargo.io import run_logged

log = logging.getLogger(__name__)


def main(snakemake):
    table = qc.read_qc_table(snakemake.input.table)
    verdicts = table.set_index("sample")["verdict"]
    composition = tables.read_table(snakemake.input.composition)
    qcplots.composition_figure(
        composition, verdicts, [snakemake.output.composition, snakemake.output.composition_svg]
    )
    lengths = tables.read_table(snakemake.input.lengths)
    qcplots.read_length_figure(
        lengths, verdicts, [snakemake.output.lengths, snakemake.output.lengths_svg]
    )
    log.info("QC figures of %d samples", len(table))


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

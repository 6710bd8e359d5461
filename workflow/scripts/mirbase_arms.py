"""Table of mature arm positions on the miRBase hairpins of the configured species."""

import logging

from exocargo import mirna
from exocargo.io import atomic_output, run_logged
from exocargo.tables import write_table

log = logging.getLogger(__name__)


def main(snakemake):
    table, notes = mirna.mature_arms(
        snakemake.input.hairpin,
        snakemake.input.mature,
        snakemake.input.gff,
        snakemake.params.species,
    )
    for note in notes:
        log.info(note)
    log.info(
        "%d arms on %d hairpins, %d mature features",
        len(table),
        table["hairpin"].nunique(),
        table["feature_id"].nunique(),
    )
    with atomic_output(snakemake.output.arms) as path:
        write_table(table, path)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

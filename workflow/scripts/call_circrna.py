"""Back-splice junction calls of one long-RNA sample from STAR's chimeric junctions.

Run twice per sample: a first pass on the sample alone (rule circrna_first_pass), and a
final pass (rule circrna_sample) that also counts mate-spanning fragments of circles whose
split reads lie in other samples, counts linear FSJ reads from the BAM and writes a BED.
"""

import json
import logging
from pathlib import Path

import pandas as pd

from exocargo import circrna
from exocargo.io import atomic_output, run_logged
from exocargo.tables import write_table

log = logging.getLogger(__name__)


def main(snakemake):
    settings = snakemake.params.settings
    library = json.loads(Path(snakemake.input.strandedness).read_text())["strandedness"]
    final = hasattr(snakemake.input, "support")
    known = None
    if final and len(snakemake.input.known):
        known = circrna.read_known_circrnas(snakemake.input.known[0])
    support = (
        pd.read_csv(snakemake.input.support, sep="\t", dtype={"chrom": str})
        if final
        else None
    )
    table, status = circrna.sample_table(
        list(snakemake.input.junctions),
        bam_path=snakemake.input.bam if final else None,
        known=known,
        strandedness=library,
        min_span=settings["min_span"],
        max_span=settings["max_span"],
        support=support,
    )
    log.info(
        "%s (%s library): %d back-splices, fragments by status %s",
        snakemake.wildcards.sample,
        library,
        len(table),
        status,
    )
    with atomic_output(snakemake.output.table) as path:
        write_table(table, path)
    if final:
        bed = table[["chrom", "start", "end", "circ_id", "bsj", "strand"]]
        with atomic_output(snakemake.output.bed) as path:
            write_table(bed, path, header=False)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

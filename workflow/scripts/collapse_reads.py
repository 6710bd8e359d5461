"""Collapse identical trimmed reads into a FASTA of distinct sequences with counts."""

import json
import logging

from exocargo import collapse
from exocargo.io import atomic_output, run_logged

log = logging.getLogger(__name__)


def main(snakemake):
    counts, reads = collapse.count_sequences(snakemake.input.fastq, umi=snakemake.params.umi)
    with atomic_output(snakemake.output.fasta) as path:
        collapse.write_fasta(counts, path)
    stats = {
        "sample": snakemake.wildcards.sample,
        "reads": reads,
        "molecules": sum(counts.values()),
        "distinct_sequences": len(counts),
        "umi": bool(snakemake.params.umi),
    }
    with atomic_output(snakemake.output.stats) as path:
        path.write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n")
    log.info("%s", stats)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

"""Count reads per mature miRNA of one sample from its hairpin alignments."""

import logging

import pandas as pd
import pysam

from exocargo import collapse, mirna
from exocargo.io import atomic_output, run_logged

log = logging.getLogger(__name__)


def alignments(bam_path):
    """Mapped hairpin alignments of a bowtie BAM, in file order."""
    with pysam.AlignmentFile(bam_path, "rb", check_sq=False) as bam:
        for record in bam.fetch(until_eof=True):
            if record.is_unmapped:
                continue
            yield mirna.Alignment(
                read=record.query_name,
                hairpin=record.reference_name,
                start=record.reference_start,
                read_length=record.query_length,
                md=record.get_tag("MD"),
            )


def main(snakemake):
    arms = mirna.arms_by_hairpin(pd.read_csv(snakemake.input.arms, sep="\t"))
    rules = mirna.IsomirRules(**snakemake.params.isomir)
    counts, isomirs, unassigned = mirna.quantify(
        alignments(snakemake.input.bam), arms, rules, collapse.read_count
    )
    sample = snakemake.wildcards.sample
    rounded = mirna.round_counts(counts)
    table = pd.DataFrame(
        sorted(rounded.items()), columns=["feature_id", "count"]
    )
    with atomic_output(snakemake.output.counts) as path:
        table.to_csv(path, sep="\t", index=False)
    isomir_table = pd.DataFrame(
        [(f, k, round(v, 3)) for (f, k), v in sorted(isomirs.items())],
        columns=["feature_id", "isomir", "reads"],
    )
    with atomic_output(snakemake.output.isomirs) as path:
        isomir_table.to_csv(path, sep="\t", index=False)
    with atomic_output(snakemake.output.summary) as path:
        pd.DataFrame(
            [
                (sample, "mature", int(round(sum(counts.values())))),
                (sample, "hairpin_other", unassigned),
            ],
            columns=["sample", "category", "reads"],
        ).to_csv(path, sep="\t", index=False)
    log.info(
        "%s: %d reads on %d mature miRNAs, %d hairpin reads outside mature arms",
        sample,
        sum(rounded.values()),
        len(rounded),
        unassigned,
    )


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

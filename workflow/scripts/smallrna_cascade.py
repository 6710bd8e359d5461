"""Run the bowtie cascade of one small-RNA sample and write its biotype table."""

import gzip
import logging
import shutil
import tempfile

import pandas as pd

from exocargo import cascade
from exocargo.io import atomic_output, run_logged

log = logging.getLogger(__name__)


def main(snakemake):
    steps = [
        cascade.Step(name, index, int(mismatches))
        for name, index, mismatches in snakemake.params.steps
    ]
    sample = snakemake.wildcards.sample
    with tempfile.TemporaryDirectory(prefix=f"cascade-{sample}-") as workdir:
        with atomic_output(snakemake.output.bam) as bam:
            table, unaligned = cascade.run_cascade(
                steps,
                snakemake.input.reads,
                workdir,
                str(bam),
                snakemake.threads,
                bowtie_logs=list(snakemake.output.bowtie_logs),
            )
        with atomic_output(snakemake.output.unmapped) as path:
            with open(unaligned, "rb") as source, gzip.GzipFile(path, "wb", mtime=0) as out:
                shutil.copyfileobj(source, out)
    biotypes = pd.DataFrame(table, columns=["biotype", "sequences", "reads"])
    biotypes.insert(0, "sample", sample)
    with atomic_output(snakemake.output.biotypes) as path:
        biotypes.to_csv(path, sep="\t", index=False)
    log.info("\n%s", biotypes.to_string(index=False))


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

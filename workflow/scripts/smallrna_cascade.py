"""Run the bowtie cascade of one small-RNA sample and write its biotype table."""

import gzip
import logging
import shutil
import tempfile
from pathlib import Path

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
        # bowtie reports go to the scratch directory first: no output under its final
        # name before the whole cascade has run.
        bowtie_logs = [f"{workdir}/{Path(p).name}" for p in snakemake.output.bowtie_logs]
        with atomic_output(snakemake.output.bam) as bam:
            table, unaligned = cascade.run_cascade(
                steps,
                snakemake.input.reads,
                workdir,
                str(bam),
                snakemake.threads,
                bowtie_logs=bowtie_logs,
            )
        with atomic_output(snakemake.output.unmapped) as path:
            with open(unaligned, "rb") as source, gzip.GzipFile(path, "wb", mtime=0) as out:
                shutil.copyfileobj(source, out)
        for report, final in zip(bowtie_logs, snakemake.output.bowtie_logs):
            with atomic_output(final) as path:
                shutil.copyfile(report, path)
    biotypes = pd.DataFrame(table, columns=["biotype", "sequences", "reads"])
    biotypes.insert(0, "sample", sample)
    with atomic_output(snakemake.output.biotypes) as path:
        biotypes.to_csv(path, sep="\t", index=False)
    log.info("\n%s", biotypes.to_string(index=False))


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

"""featureCounts on one long-RNA sample, with the strandedness inferred for that sample."""

import json
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from exocargo import circrna, genes, strandedness
from exocargo.io import atomic_output, run_logged

log = logging.getLogger(__name__)

NO_PAIRS = "No paired-end reads were detected"


def run(command):
    """Run featureCounts, logging its command and output."""
    log.info("%s", " ".join(command))
    result = subprocess.run(command, capture_output=True, text=True)
    log.info("%s", result.stdout + result.stderr)
    return result


def main(snakemake):
    library = json.loads(Path(snakemake.input.strandedness).read_text())["strandedness"]
    command = [
        "featureCounts",
        "-T",
        str(snakemake.threads),
        "-s",
        str(strandedness.featurecounts_strand(library)),
        *snakemake.params.args,
        "-a",
        snakemake.input.gtf,
    ]
    paired = list(snakemake.params.pairs)
    chimeric = set(circrna.read_chimeric_junctions(snakemake.input.junctions)["read_name"])
    with tempfile.TemporaryDirectory(dir=Path(snakemake.output.counts).parent) as work:
        # Back-spliced fragments belong to the circRNA matrix, not to the host's linear
        # counts.
        linear_bam = Path(work) / "linear.bam"
        left_out = genes.exclude_fragments(
            snakemake.input.bam, linear_bam, chimeric, threads=snakemake.threads
        )
        log.info(
            "%d chimeric fragments (%d BAM records) left out of gene counting",
            len(chimeric),
            left_out,
        )
        table = Path(work) / "counts.tsv"
        files = ["--tmpDir", work, "-o", str(table), str(linear_bam)]
        result = run(command + paired + files)
        if result.returncode != 0 and paired and NO_PAIRS in result.stdout + result.stderr:
            # A library with no aligned pair (empty FASTQ, failed library) has nothing to
            # count; featureCounts refuses paired mode on it, single-end mode gives zeros.
            log.warning("no aligned read pairs in %s: every gene counts 0", snakemake.input.bam)
            result = run(command + files)
        if result.returncode != 0:
            raise RuntimeError(f"featureCounts failed (exit {result.returncode})")
        with atomic_output(snakemake.output.summary) as path:
            shutil.copy(f"{table}.summary", path)
        with atomic_output(snakemake.output.counts) as path:
            shutil.copy(table, path)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

"""The small-RNA alignment cascade: each collapsed read goes to the first reference it hits.

Steps run in the configured order (contaminants, miRBase hairpins, tRNA, piRNA, other
ncRNA, genome); the reads a step does not align are the input of the next one (bowtie
``--un``). The hairpin step keeps every best-stratum alignment in SAM so that reads from
multi-locus miRNAs can be assigned later; the other steps only need to know what aligned.
"""

from __future__ import annotations

import logging
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from exocargo import collapse

log = logging.getLogger(__name__)

MIRNA_STEP = "miRNA"


@dataclass(frozen=True)
class Step:
    """One cascade step: a biotype name, its bowtie index prefix and mismatches allowed."""

    name: str
    index: str
    mismatches: int


def bowtie_command(step: Step, reads: str, unaligned: str, aligned: str, threads: int) -> list[str]:
    """bowtie1 command of one step (FASTA input, end-to-end, ``-v`` mismatches).

    The miRNA step reports all best-stratum alignments on the sense strand; other steps
    report one alignment (their SAM is discarded) and write aligned reads to ``aligned``.
    ``--reorder`` keeps output in input order whatever the thread count.
    """
    command = [
        "bowtie",
        "-f",
        "-v",
        str(step.mismatches),
        "-p",
        str(threads),
        "--reorder",
        "-S",
        "--un",
        unaligned,
    ]
    if step.name == MIRNA_STEP:
        command += ["-a", "--best", "--strata", "--norc"]
    else:
        command += ["-k", "1", "--al", aligned]
    return command + ["-x", step.index, reads]


def run_cascade(
    steps: list[Step],
    collapsed: str,
    workdir: str,
    hairpin_bam: str,
    threads: int = 1,
    bowtie_logs: list[str] | None = None,
) -> tuple[list[tuple[str, int, int]], str]:
    """Run every step; return [(biotype, sequences, reads)] and the final unaligned FASTA.

    The hairpin alignments are written to ``hairpin_bam`` (unsorted, bowtie order). The
    last entry of the table is 'unmapped'. ``bowtie_logs`` (one path per step) keeps each
    step's bowtie report for MultiQC; a step with no reads left gets a one-line note.
    """
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    current = collapsed
    table = []
    for number, step in enumerate(steps, start=1):
        unaligned = str(work / f"{number:02d}_{step.name}.unaligned.fa")
        aligned = str(work / f"{number:02d}_{step.name}.aligned.fa")
        stderr = work / f"{number:02d}_{step.name}.bowtie.log"
        before = collapse.fasta_totals(current)
        if before[0] == 0:
            # bowtie fails on empty input; an empty library simply has nothing to align.
            Path(unaligned).write_text("")
            if step.name == MIRNA_STEP:
                _empty_bam(step.index, hairpin_bam)
            table.append((step.name, 0, 0))
            if bowtie_logs:
                Path(bowtie_logs[number - 1]).write_text("bowtie not run: no reads left\n")
            current = unaligned
            continue
        command = bowtie_command(step, current, unaligned, aligned, threads)
        log.info("step %d %s: %s", number, step.name, shlex.join(command))
        with open(stderr, "w") as err:
            if step.name == MIRNA_STEP:
                bowtie = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err)
                view = subprocess.run(
                    ["samtools", "view", "-b", "-o", hairpin_bam, "-"],
                    stdin=bowtie.stdout,
                    stderr=err,
                )
                bowtie.stdout.close()
                codes = (bowtie.wait(), view.returncode)
            else:
                codes = (subprocess.run(command, stdout=subprocess.DEVNULL, stderr=err).returncode,)
        if any(codes):
            raise RuntimeError(
                f"cascade step {step.name} failed (exit {codes}); see {stderr}:\n"
                + stderr.read_text()[-2000:]
            )
        if bowtie_logs:
            shutil.copyfile(stderr, bowtie_logs[number - 1])
        if not Path(unaligned).exists():
            Path(unaligned).write_text("")
        after = collapse.fasta_totals(unaligned)
        table.append((step.name, before[0] - after[0], before[1] - after[1]))
        log.info("step %s: %d sequences, %d reads aligned", step.name, *table[-1][1:])
        current = unaligned
    table.append(("unmapped", *collapse.fasta_totals(current)))
    return table, current


def _empty_bam(index: str, path: str) -> None:
    """A header-only BAM for an empty library, with the hairpins as references."""
    import pysam

    names = subprocess.run(
        ["bowtie-inspect", "-s", index], capture_output=True, text=True, check=True
    ).stdout
    references = []
    for line in names.splitlines():
        fields = line.split("\t")
        if fields[0].startswith("Sequence-"):
            references.append({"SN": fields[1], "LN": int(fields[2])})
    header = {"HD": {"VN": "1.0", "SO": "unsorted"}, "SQ": references}
    with pysam.AlignmentFile(path, "wb", header=header):
        pass

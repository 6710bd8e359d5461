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


def bowtie_command(step: Step, reads: str, unaligned: str, threads: int) -> list[str]:
    """bowtie1 command of one step (FASTA input, end-to-end, ``-v`` mismatches).

    The miRNA step writes SAM with every best-stratum alignment on the sense strand, in
    input order (``--reorder``); the other steps only need ``--un`` and look for one
    alignment (their output is discarded). bowtie writes ``--un`` in thread completion
    order: `restore_order` puts it back in input order.
    """
    command = ["bowtie", "-f", "-v", str(step.mismatches), "-p", str(threads)]
    if step.name == MIRNA_STEP:
        # Not --no-unal: bowtie 1.3.1 hangs with --reorder, --no-unal and -p > 1.
        command += ["-S", "--reorder", "-a", "--best", "--strata", "--norc"]
    else:
        command += ["-k", "1"]
    return command + ["--un", unaligned, "-x", step.index, reads]


def restore_order(path: str | Path) -> tuple[int, int]:
    """Rewrite a FASTA of collapsed reads in collapsed-rank order; return its totals.

    bowtie with several threads writes its ``--un`` reads in whatever order its threads
    finish; sorting by rank makes each step's input, and so every output, the same
    whatever the thread count. Returns (sequences, reads), from the names, so that no
    step has to read its input again to know what it holds.
    """
    with open(path) as handle:
        lines = handle.read().splitlines()
    names, sequences = lines[0::2], lines[1::2]
    if len(names) != len(sequences) or any(not n.startswith(">") for n in names):
        raise ValueError(f"{path}: not two-line FASTA of collapsed reads")
    records = sorted(zip(names, sequences), key=lambda record: collapse.rank(record[0][1:]))
    with open(path, "w") as handle:
        handle.writelines(f"{name}\n{sequence}\n" for name, sequence in records)
    return len(records), sum(collapse.read_count(name) for name in names)


def run_cascade(
    steps: list[Step],
    collapsed: str,
    workdir: str,
    hairpin_bam: str,
    threads: int = 1,
    bowtie_logs: list[str] | None = None,
    totals: tuple[int, int] | None = None,
) -> tuple[list[tuple[str, int, int]], str]:
    """Run every step; return [(biotype, sequences, reads)] and the final unaligned FASTA.

    The hairpin alignments are written to ``hairpin_bam`` (unsorted, in the order of the
    collapsed reads). The last entry of the table is 'unmapped'. ``bowtie_logs`` (one path
    per step) keeps each step's bowtie report for MultiQC; a step with no reads left gets a
    one-line note. ``totals`` (sequences, reads) of ``collapsed`` spares reading it again
    when the caller knows them; each step's unaligned totals carry to the next step.
    """
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    current = collapsed
    before = totals if totals is not None else collapse.fasta_totals(collapsed)
    table = []
    for number, step in enumerate(steps, start=1):
        unaligned = str(work / f"{number:02d}_{step.name}.unaligned.fa")
        stderr = work / f"{number:02d}_{step.name}.bowtie.log"
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
        command = bowtie_command(step, current, unaligned, threads)
        log.info("step %d %s: %s", number, step.name, shlex.join(command))
        with open(stderr, "w") as err:
            if step.name == MIRNA_STEP:
                codes = _hairpin_bam(command, hairpin_bam, err)
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
        after = restore_order(unaligned)
        table.append((step.name, before[0] - after[0], before[1] - after[1]))
        log.info("step %s: %d sequences, %d reads aligned", step.name, *table[-1][1:])
        current, before = unaligned, after
    table.append(("unmapped", *before))
    return table, current


def _hairpin_bam(command: list[str], path: str, err) -> tuple[int, int]:
    """Run the miRNA step's bowtie into a BAM file; return both exit codes.

    bowtie's @PG line names the step's temporary files and its thread count, so it is left
    out (the bowtie log keeps the command) and the BAM is the same on every run.
    """
    bowtie = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err)
    view = subprocess.Popen(
        ["samtools", "view", "-b", "--no-PG", "-o", path, "-"],
        stdin=subprocess.PIPE,
        stderr=err,
    )
    try:
        for line in bowtie.stdout:
            if not line.startswith(b"@PG"):
                view.stdin.write(line)
    except BrokenPipeError:
        pass  # samtools stopped early: its exit code says why
    finally:
        bowtie.stdout.close()
        try:
            view.stdin.close()
        except BrokenPipeError:
            pass
    return bowtie.wait(), view.wait()


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

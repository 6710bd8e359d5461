"""One small-RNA library from raw reads to mature miRNA counts, in one job.

cutadapt writes trimmed reads as FASTA to a pipe that the collapser reads as they come, and
every sequence the collapser has not seen before goes straight on to the bowtie cascade
(exocargo.cascade.StreamingCascade), so trimming, collapsing and alignment run at the same
time: when cutadapt ends, little is left to align. Reads are then ranked by count, named
``s{rank}_x{count}`` and written out as if each stage had run after the other (the same
files, byte for byte, whatever the threads), while a forked process assigns the hairpin
alignments to mature arms (exocargo.mirna) on the job's second core. One job instead of
four also saves three interpreter starts and job launches per sample, and the compression
and re-reading of files that nothing else uses.

Each stage's wall and CPU seconds go to a stage table beside the job's log, so that a run
shows where its time went (benchmarks/run_bench.py reads it).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import resource
import shlex
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterator, NamedTuple

from exocargo import cascade, collapse, mirna, readcheck
from exocargo.io import ForkedCall, atomic_output, widen_pipe, write_tsv

log = logging.getLogger(__name__)


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Stage(NamedTuple):
    """A row of the stage table (STAGE_COLUMNS), formatted."""

    stage: str
    start: str
    end: str
    wall_s: str
    cpu_s: str
    max_rss_mb: str
    items: str


STAGE_COLUMNS = list(Stage._fields)


@dataclass
class StageClock:
    """Wall and CPU time of the stages of a job, in the order they ran."""

    rows: list[Stage] = field(default_factory=list)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[dict]:
        """Time the enclosed block.

        The yielded dict's 'items' says what the stage processed; 'cpu_not_mine' (CPU s)
        is taken off the stage's CPU when it waited for processes already accounted for.
        """
        note = {"items": "", "cpu_not_mine": 0.0}
        start, cpu = time.time(), cpu_seconds()
        clock = time.perf_counter()
        yield note
        wall = time.perf_counter() - clock
        used = cpu_seconds() - cpu - note["cpu_not_mine"]
        self.add(name, start, wall, used, "", note["items"])

    def add(self, name: str, start: float, wall: float, cpu: float, max_rss_mb, items: str):
        """Record a stage (or a process that ran alongside the stages)."""
        rss = max_rss_mb if max_rss_mb == "" else f"{max_rss_mb:.1f}"
        self.rows.append(Stage(name, f"{start:.3f}", f"{start + wall:.3f}", f"{wall:.3f}",
                               f"{cpu:.3f}", rss, items))
        log.info("stage %s: %.2f s wall, %.2f CPU s; %s", name, wall, cpu, items)

    def write(self, path: str | os.PathLike) -> None:
        """Write the stage table (TSV)."""
        write_tsv(path, STAGE_COLUMNS, self.rows)


def cutadapt_command(
    arguments: list[str], threads: int, json_report: str | os.PathLike, fastq: str | os.PathLike
) -> list[str]:
    """cutadapt command that trims ``fastq`` and writes FASTA to standard output.

    The text report goes to standard error, the JSON report to ``json_report``. The
    benchmark times this same command alone, as the floor of the pipeline's wall time.
    """
    return ["cutadapt", *arguments, "-j", str(threads), "--json", str(json_report), "--fasta",
            str(fastq)]


def trim_and_collapse(
    command: list[str], report: str | os.PathLike, umi: bool = False, new_sequences=None
) -> tuple[collapse.Counter, int]:
    """Run cutadapt (``command`` writes FASTA to stdout) and collapse its reads as they come.

    ``new_sequences`` is passed to `collapse.count_fasta_stream`. Returns the counter of
    distinct sequences (keys in order of first appearance) and the number of reads
    cutadapt kept. A cutadapt failure raises with the end of its report (``report`` keeps
    all of it).
    """
    log.info("trimming: %s", shlex.join(command))
    with open(report, "w") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr)
        widen_pipe(process.stdout)
        try:
            counts, reads = collapse.count_fasta_stream(
                process.stdout, umi=umi, source="cutadapt output", new_sequences=new_sequences
            )
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            process.stdout.close()
        code = process.wait()
    if code != 0:
        raise TrimmingError(
            f"cutadapt failed (exit {code}); see {report}:\n" + Path(report).read_text()[-2000:]
        )
    return counts, reads


class TrimmingError(RuntimeError):
    """cutadapt failed; the message holds the end of its report."""


@dataclass(frozen=True)
class SampleFiles:
    """Outputs of one small-RNA sample, named as rule quantify_smallrna declares them."""

    cutadapt_json: str
    collapsed: str
    collapse_stats: str
    bam: str  # the hairpin alignments
    biotypes: str
    unmapped: str
    bowtie_logs: list[str]
    counts: str
    isomirs: str
    summary: str

    @classmethod
    def from_rule(cls, output) -> SampleFiles:
        """The files of the rule's ``output`` (Snakemake's named list), by field name."""
        files = {item.name: getattr(output, item.name) for item in fields(cls)}
        return cls(**{**files, "bowtie_logs": list(files["bowtie_logs"])})


@dataclass
class Ranking:
    """The distinct sequences of a library in order of first appearance (their ids), with
    their molecules, the positions by decreasing count and the rank of each position."""

    sequences: list[str]
    molecules: list[int]
    order: list[int]
    ranks: list[int]

    @classmethod
    def of(cls, counts: collapse.Counter) -> Ranking:
        """Rank the sequences of ``counts`` (keys in order of first appearance)."""
        sequences, molecules = list(counts), list(counts.values())
        order = collapse.rank_order(sequences, molecules)
        ranks = [0] * len(order)
        for rank, position in enumerate(order, start=1):
            ranks[position] = rank
        return cls(sequences, molecules, order, ranks)


def process_sample(
    sample: str,
    fastq: str,
    cutadapt_arguments: list[str],
    steps: list[cascade.Step],
    arms_table: str,
    rules: mirna.IsomirRules,
    outputs: SampleFiles,
    cutadapt_report: str,
    threads: int = 1,
    umi: bool = False,
    clock: StageClock | None = None,
) -> dict[str, int]:
    """Trim, collapse, run the cascade and count mature miRNAs of one library.

    Every output is written under a temporary name and renamed when complete. Returns the
    collapse statistics (also written to ``outputs.collapse_stats``).
    """
    clock = clock or StageClock()
    with tempfile.TemporaryDirectory(prefix=f"cascade-{sample}-") as workdir:
        # One bowtie thread per step: the job's threads go to cutadapt (see StreamingCascade).
        with cascade.StreamingCascade(steps, workdir, threads=1) as aligner:
            with clock.stage("trim_collapse_align") as note:
                counts, reads = trim_into_cascade(
                    aligner, sample, fastq, cutadapt_arguments, threads, umi,
                    outputs.cutadapt_json, cutadapt_report,
                )
                note["items"] = f"{reads} reads -> {len(counts)} distinct sequences"
            runs = finish_cascade(aligner, clock)
        with clock.stage("rank") as note:
            stats = collapse_stats(sample, reads, counts, umi)
            log.info("%s", stats)
            # Ids are positions in order of first appearance; names carry rank and count.
            ranking = Ranking.of(counts)
            note["items"] = f"{len(counts)} distinct sequences ranked"
        write_while_quantifying(sample, counts, stats, ranking, runs, arms_table, rules,
                                outputs, clock)
    return stats


def trim_into_cascade(
    aligner: cascade.StreamingCascade,
    sample: str,
    fastq: str,
    cutadapt_arguments: list[str],
    threads: int,
    umi: bool,
    json_path: str,
    cutadapt_report: str,
) -> tuple[collapse.Counter, int]:
    """Trim and collapse the reads, feeding each new distinct sequence to the cascade as it
    turns up (its id is its position in order of first appearance). A cutadapt failure
    raises with what is wrong with the read file, if anything."""

    def align(first_id: int, sequences: list[bytes]) -> None:
        aligner.write(b"".join(b">%d\n%s" % (first_id + i, s) for i, s in enumerate(sequences)))

    with atomic_output(json_path, stable_name=True) as json_report:
        command = cutadapt_command(cutadapt_arguments, threads, json_report, fastq)
        try:
            return trim_and_collapse(command, cutadapt_report, umi, align)
        except TrimmingError as error:
            # cutadapt's own message does not name the file: say what is wrong with it,
            # if anything.
            raise RuntimeError(
                readcheck.explain_failure(
                    sample, [fastq], f"cutadapt failed for another reason: {error}"
                )
            ) from error


def finish_cascade(aligner: cascade.StreamingCascade, clock: StageClock) -> list[cascade.StepRun]:
    """Wait for the cascade to align what trimming left it; clock the bowtie processes."""
    with clock.stage("cascade_tail") as note:
        runs = aligner.finish()
        note["cpu_not_mine"] = sum(run.cpu_s for run in runs)
        note["items"] = "bowtie finishing after trimming ended"
    for run in runs:
        clock.add(f"bowtie {run.step.name}", clock_start(clock), run.wall_s, run.cpu_s,
                  run.max_rss_mb, "alongside trimming")
    return runs


def collapse_stats(sample: str, reads: int, counts: collapse.Counter, umi: bool) -> dict:
    """The collapse statistics of a library (collapse.json)."""
    return {
        "sample": sample,
        "reads": reads,
        "molecules": sum(counts.values()),
        "distinct_sequences": len(counts),
        "umi": bool(umi),
    }


def write_while_quantifying(
    sample: str,
    counts: collapse.Counter,
    stats: dict,
    ranking: Ranking,
    runs: list[cascade.StepRun],
    arms_table: str,
    rules: mirna.IsomirRules,
    outputs: SampleFiles,
    clock: StageClock,
) -> None:
    """Write the collapsed reads, the statistics and the tallies, while a forked process
    writes the hairpin BAM and assigns its alignments to mature arms.

    Those need only the hairpin alignments and the ranks: the fork does them on the job's
    second core, seeing this process's data without copying it.
    """
    hairpin_run = next(run for run in runs if run.step.name == cascade.MIRNA_STEP)

    def quantify() -> str:
        header, records = cascade.hairpin_records(hairpin_run, ranking.ranks, ranking.molecules)
        with atomic_output(outputs.bam) as bam:
            cascade.write_bam(header, records, str(bam))
        return quantify_mature(sample, records, arms_table, rules, outputs)

    with ForkedCall(quantify) as quantifier:
        with clock.stage("write") as note:
            ranked = ((ranking.sequences[i], ranking.molecules[i]) for i in ranking.order)
            with atomic_output(outputs.collapsed) as path:
                collapse.write_fasta(counts, path, ranked)
            ranking.order.clear()  # not needed again: free it for the rest of the job
            with atomic_output(outputs.collapse_stats) as path:
                path.write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n")
            write_tallies(sample, runs, ranking.sequences, ranking.molecules, ranking.ranks,
                          outputs)
            note["items"] = f"collapsed reads written, {len(runs)} steps tallied"
        with clock.stage("quantify_wait") as note:
            done = quantifier.wait()
            note["cpu_not_mine"] = done.cpu_s
            note["items"] = "waiting for the forked hairpin BAM and quantification"
    clock.add("quantify", done.start, done.wall_s, done.cpu_s, done.max_rss_mb, done.result)


def write_tallies(
    sample: str,
    runs: list[cascade.StepRun],
    sequences: list[str],
    molecules: list[int],
    ranks: list[int],
    outputs: SampleFiles,
) -> None:
    """Write each step's bowtie log, the reads no step aligned and the biotype table
    (step or 'unmapped', distinct sequences, reads); a read counts for the first step that
    aligned it."""
    remaining = set(range(len(sequences)))
    table = []
    for run, log_path in zip(runs, outputs.bowtie_logs):
        aligned = cascade.aligned_ids(run) & remaining
        remaining -= aligned
        table.append((run.step.name, len(aligned), sum(molecules[i] for i in aligned)))
        with atomic_output(log_path) as path:
            shutil.copyfile(run.log, path)
    unmapped = sorted(remaining, key=ranks.__getitem__)
    table.append(("unmapped", len(unmapped), sum(molecules[i] for i in unmapped)))
    with atomic_output(outputs.unmapped) as path:
        # No file name or time in the gzip header: same bytes on every run.
        with open(path, "wb") as raw:
            with gzip.GzipFile("", "wb", compresslevel=1, fileobj=raw, mtime=0) as out:
                out.write(
                    "".join(
                        f">{collapse.collapsed_name(ranks[i], molecules[i])}\n{sequences[i]}\n"
                        for i in unmapped
                    ).encode()
                )
    write_tsv(
        outputs.biotypes,
        ["sample", "biotype", "sequences", "reads"],
        [(sample, *row) for row in table],
    )
    log.info(
        "biotypes:\n%s", "\n".join(f"{name}\t{n_sequences}\t{n}" for name, n_sequences, n in table)
    )


def quantify_mature(
    sample: str,
    records: list[list[bytes]],
    arms_table: str,
    rules: mirna.IsomirRules,
    outputs: SampleFiles,
) -> str:
    """Count mature miRNAs and isomiRs from the renamed hairpin SAM records of one library;
    write the counts, isomiR and summary tables. Returns what was counted, in words."""
    counts, isomirs, unassigned = mirna.quantify(
        mirna.sam_alignments(line for lines in records for line in lines),
        mirna.read_arms(arms_table),
        rules,
        collapse.read_count,
    )
    rounded = mirna.round_counts(counts)
    write_tsv(outputs.counts, ["feature_id", "count"], sorted(rounded.items()))
    write_tsv(
        outputs.isomirs,
        ["feature_id", "isomir", "reads"],
        [(f, k, round(v, 3)) for (f, k), v in sorted(isomirs.items())],
    )
    mature = int(round(sum(counts.values())))
    write_tsv(
        outputs.summary,
        ["sample", "category", "reads"],
        [(sample, "mature", mature), (sample, "hairpin_other", unassigned)],
    )
    log.info(
        "%s: %d reads on %d mature miRNAs, %d hairpin reads outside mature arms",
        sample,
        sum(rounded.values()),
        len(rounded),
        unassigned,
    )
    return f"{mature + unassigned} hairpin reads -> {len(rounded)} mature miRNAs"


def clock_start(clock: StageClock) -> float:
    """Start time of the first stage of ``clock`` (processes that ran alongside it)."""
    return float(clock.rows[0].start)

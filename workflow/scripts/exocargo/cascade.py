"""The small-RNA alignment cascade: each collapsed read goes to the first reference it hits.

Steps run in the configured order (contaminants, miRBase hairpins, tRNA, piRNA, other
ncRNA, genome); the reads a step does not align are the input of the next one (bowtie
``--un``). The hairpin step keeps every best-stratum alignment in SAM so that reads from
multi-locus miRNAs can be assigned later; the other steps only need to know what aligned.
All steps run at once, chained by FIFOs, and are fed distinct sequences while the reads
are still being counted (`StreamingCascade`).
"""

from __future__ import annotations

import errno
import logging
import os
import shlex
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from exocargo import collapse
from exocargo.io import widen_pipe

log = logging.getLogger(__name__)

MIRNA_STEP = "miRNA"


@dataclass(frozen=True)
class Step:
    """One cascade step: a biotype name, its bowtie index prefix and mismatches allowed."""

    name: str
    index: str
    mismatches: int


def streaming_command(
    step: Step, reads: str, unaligned: str | None, hits: str, threads: int
) -> list[str]:
    """bowtie1 command of one step of the streaming cascade.

    Reads are named by their id (position in order of first appearance). The miRNA step
    writes SAM with every best-stratum alignment on the sense strand, in input order
    (``--reorder``); the other steps write only the ids of the reads they align (one line
    each, ``-k 1``). ``unaligned`` (a FIFO to the next step, or None for the last step)
    receives the reads the step does not align.
    """
    command = ["bowtie", "-f", "-v", str(step.mismatches), "-p", str(threads)]
    if step.name == MIRNA_STEP:
        command += ["-S", "--reorder", "-a", "--best", "--strata", "--norc"]
    else:
        command += ["-k", "1", "--suppress", "2,3,4,5,6,7,8"]
    if unaligned is not None:
        command += ["--un", unaligned]
    return command + ["-x", step.index, reads, hits]


@dataclass(frozen=True)
class StepRun:
    """What one bowtie process of the streaming cascade did."""

    step: Step
    hits: Path
    log: Path
    cpu_s: float
    max_rss_mb: float
    wall_s: float


class StreamingCascade:
    """One bowtie process per step, chained by FIFOs, fed with new sequences as they come.

    Step 1 reads its standard input; each step writes the reads it does not align to a
    FIFO that the next step reads (bowtie's ``--un``), so every step aligns while the
    reads are still being counted and no step waits for the previous one to finish. What a
    step aligned is read afterwards from its hits file; the order of the ids in it depends
    on the threads, and `aligned_ids` returns sets. If any bowtie fails, all are stopped
    (a step blocked on a FIFO whose reader died would otherwise wait forever).
    """

    def __init__(self, steps: list[Step], workdir: str | Path, threads: int = 1):
        """Start every step with ``threads`` bowtie threads each.

        Fed at the pace of trimming, one thread per step keeps up on small references;
        more threads mostly wait for reads, at a cost: on 2,000,000 reads, -p 2 took 5.4
        CPU s where -p 1 took 3.3. exocargo.smallrna passes 1.
        """
        self.steps = steps
        self.work = Path(workdir)
        self.work.mkdir(parents=True, exist_ok=True)
        self.runs: list[StepRun] = []
        self._processes: list[subprocess.Popen] = []
        self._started: list[float] = []
        self._logs: list[Path] = []
        self._hits: list[Path] = []
        self._failed = threading.Event()
        fifos = [self.work / f"{n:02d}_{s.name}.unaligned.fifo" for n, s in enumerate(steps, 1)]
        for fifo in fifos[:-1]:
            os.mkfifo(fifo)
        try:
            for number, step in enumerate(steps, start=1):
                reads = "-" if number == 1 else str(fifos[number - 2])
                unaligned = str(fifos[number - 1]) if number < len(steps) else None
                suffix = "sam" if step.name == MIRNA_STEP else "ids"
                hits = self.work / f"{number:02d}_{step.name}.{suffix}"
                stderr = self.work / f"{number:02d}_{step.name}.bowtie.log"
                command = streaming_command(step, reads, unaligned, str(hits), threads)
                log.info("step %d %s: %s", number, step.name, shlex.join(command))
                with open(stderr, "w") as err:
                    self._processes.append(
                        subprocess.Popen(
                            command,
                            stdin=subprocess.PIPE if number == 1 else subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=err,
                        )
                    )
                self._started.append(time.perf_counter())
                self._logs.append(stderr)
                self._hits.append(hits)
        except BaseException:
            self.stop()
            raise
        self.stdin = self._processes[0].stdin
        widen_pipe(self.stdin)
        self._watchdog = threading.Thread(target=self._watch, daemon=True)
        self._watchdog.start()

    def __enter__(self) -> "StreamingCascade":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        """On an error, stop every step; raise a step's own failure if one failed by itself
        (the error here then only follows from it), else let the error go on."""
        if kind is not None:
            failed_itself = any((_exit_code(p) or 0) > 0 for p in self._processes)
            self.stop()
            if failed_itself:
                self.check()

    def write(self, records: bytes) -> None:
        """Feed FASTA records (``>id`` names) to the first step."""
        self.stdin.write(records)

    def finish(self) -> list[StepRun]:
        """Close the input, wait for every step in order; raise if any failed."""
        try:
            self.stdin.close()
        except BrokenPipeError:
            pass
        for number, process in enumerate(self._processes, start=1):
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            wall = time.perf_counter() - self._started[number - 1]
            self.runs.append(
                StepRun(
                    self.steps[number - 1],
                    self._hits[number - 1],
                    self._logs[number - 1],
                    usage.ru_utime + usage.ru_stime,
                    usage.ru_maxrss / 1024,
                    wall,
                )
            )
            if number < len(self._processes):
                self._release(number)
        self._failed.set()  # stops the watchdog
        self.check()
        return self.runs

    def stop(self) -> None:
        """Kill every step still running (after a failure elsewhere)."""
        self._failed.set()
        for process in self._processes:
            if process.poll() is None:
                process.kill()
        for process in self._processes:
            process.wait()

    def _release(self, number: int) -> None:
        """Let step ``number + 1`` see the end of its input once step ``number`` ended.

        bowtie opens its ``--un`` file only when a read fails to align: if none did, the
        next step still waits to open the FIFO. Opening it for writing and closing it gives
        that step an empty input. Without a waiting reader the open fails (ENXIO): retry
        until the reader opens or has ended.
        """
        fifo = self.work / f"{number:02d}_{self.steps[number - 1].name}.unaligned.fifo"
        reader = self._processes[number]
        while _exit_code(reader) is None:
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                return
            except OSError as error:
                if error.errno != errno.ENXIO:
                    raise
            time.sleep(0.01)

    def _watch(self) -> None:
        while not self._failed.wait(0.1):
            if any(_exit_code(p) not in (None, 0) for p in self._processes):
                log.error("a cascade step failed: stopping the others")
                for process in self._processes:
                    if _exit_code(process) is None:
                        process.kill()
                return

    def check(self) -> None:
        """Raise if a step failed, naming the first that failed by itself (not killed)."""
        codes = {s.name: _exit_code(p) for s, p in zip(self.steps, self._processes)}
        failed = [(s, path) for s, path in zip(self.steps, self._logs) if codes[s.name]]
        if not failed:
            return
        step, path = next(((s, p) for s, p in failed if codes[s.name] > 0), failed[0])
        raise RuntimeError(
            f"cascade step {step.name} failed (exit codes {codes}); see {path}:\n"
            + path.read_text()[-2000:]
        )


def _exit_code(process: subprocess.Popen) -> int | None:
    """Exit code of a process, None while it runs; unlike poll(), does not reap it.

    finish() reaps each step itself with wait4, for its CPU time and peak memory.
    """
    if process.returncode is not None:
        return process.returncode
    try:
        state = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:  # reaped meanwhile
        return process.returncode
    if state is None:
        return None
    return state.si_status if state.si_code == os.CLD_EXITED else -state.si_status


def aligned_ids(run: StepRun) -> set[int]:
    """Ids of the reads one step of the streaming cascade aligned."""
    ids = set()
    with open(run.hits, "rb") as handle:
        if run.step.name == MIRNA_STEP:
            for line in handle:
                if line.startswith(b"@"):
                    continue
                name, flag, _ = line.split(b"\t", 2)
                if not int(flag) & 4:
                    ids.add(int(name))
        else:
            ids.update(int(line) for line in handle if line.strip())
    return ids


def hairpin_records(
    run: StepRun, ranks: list[int], counts: list[int]
) -> tuple[list[bytes], list[list[bytes]]]:
    """Header and records of the miRNA step's SAM alignments, reads renamed and in rank
    order (reads the step did not align are left out: they went on to the next step).

    Read ``id`` is renamed ``s{ranks[id]}_x{counts[id]}``, its collapsed name. Records of
    one read stay together, sorted by hairpin and position (bowtie's order among equally
    good loci follows a random seed drawn from the read's name); the reads are sorted by
    rank, as in the collapsed FASTA. bowtie's @PG line (temporary paths, thread count) is
    left out.
    """
    header, reads = [], {}
    with open(run.hits, "rb") as handle:
        for line in handle:
            if line.startswith(b"@"):
                if not line.startswith(b"@PG"):
                    header.append(line)
                continue
            name, rest = line.split(b"\t", 1)
            if int(rest[: rest.index(b"\t")]) & 4:
                # bowtie -S writes a record for every read it did not align; its --no-unal
                # would save that, but loses reads and can hang with -p 2 (bowtie 1.3.1).
                continue
            reads.setdefault(int(name), []).append(rest)
    ordered = []
    for read_id in sorted(reads, key=ranks.__getitem__):
        prefix = collapse.collapsed_name(ranks[read_id], counts[read_id]).encode() + b"\t"
        lines = reads[read_id]
        if len(lines) > 1:
            lines.sort(key=_locus)
        ordered.append([prefix + rest for rest in lines])
    return header, ordered


def _locus(record: bytes) -> tuple[bytes, int]:
    """(reference, position) of a SAM record without its query name."""
    _, reference, position, _ = record.split(b"\t", 3)
    return reference, int(position)


def write_bam(header: list[bytes], records: list[list[bytes]], path: str) -> None:
    """Write SAM lines as BAM with samtools (no @PG line of its own)."""
    view = subprocess.Popen(
        ["samtools", "view", "-b", "--no-PG", "-o", path, "-"],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        view.stdin.write(b"".join(header) + b"".join(b"".join(lines) for lines in records))
        view.stdin.close()
    except BrokenPipeError:
        pass
    error = view.stderr.read().decode(errors="replace")
    if view.wait() != 0:
        raise RuntimeError(f"samtools view failed writing {path}:\n{error[-2000:]}")

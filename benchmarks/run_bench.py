#!/usr/bin/env python3
"""Throughput benchmark of the small-RNA path against cutadapt alone, and of pydeseq2.

    make bench                                                  # 2,000,000 reads, 2 cores
    .venv/bin/python benchmarks/run_bench.py --reads 200000     # a quick look

A benchmark, not a test: it prints figures and fails only when a run fails, unless
--max-ratio / --max-rss-mb are given. In a temporary copy of the workflow (the repository's
results/ are never touched) it

1. generates one small-RNA library with the demo generator
   (resources/demo/simulate_smallrna.py --samples 1 --reads N, default seed, TruSeq);
2. builds the references once (cascade bowtie indexes, miRBase arms): a per-cohort cost,
   timed and reported apart;
3. runs cutadapt alone on the library: the very command of the pipeline's trimming
   (exocargo.smallrna.cutadapt_command: same arguments, same -j, FASTA to standard output),
   with its output written to a file;
4. runs the small-RNA path of the pipeline on the same library, one snakemake call with
   --cores N for its mature miRNA counts (rule quantify_smallrna: cutadapt streaming into
   the collapser, which streams new sequences into the bowtie cascade; then ranking,
   output files and mature miRNA counts), Snakemake's start-up included;
5. times exocargo.diffexp.run_deseq2 (what the diffexp rule runs) on a simulated
   2,656-miRNA x 100-sample count matrix (miRBase 22 has 2,656 human mature miRNAs).

Steps 3 and 4 alternate --repeat times (default 3), so that load from other work on the
machine hits both alike. Per stage of the fastest pipeline run it prints wall and CPU
seconds (from the stage table the job writes to logs/quantify_smallrna/), reads/s (raw
reads of the library per second of the stage, so stages compare on one scale), what the
stage processed, and peak RSS of the job's whole process tree sampled every 0.05 s during
the stage (Snakemake's own benchmark samples too rarely for stages of seconds); the bowtie
steps, which run alongside trimming, and the forked mature-miRNA quantification, which runs
alongside the writing of the other outputs, with their own CPU time and peak RSS; then the
job's start-up, Snakemake's own time, the total wall, the ratio pipeline wall /
cutadapt-alone wall (median over the alternating pairs), the same ratio in CPU time (which
other load changes less), and the pydeseq2 figures. The sample sheet holds the generated
library plus the demo's libraries (their rows satisfy the config's contrasts at parse
time; only the benchmark library is built).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psutil
import yaml

REPO = Path(__file__).resolve().parent.parent
# The tools of the venv that runs this script (the repository's .venv under `make bench`).
VENV_BIN = Path(sys.executable).parent
WORKFLOW_PARTS = ["Snakefile", "config", "workflow", "resources"]
SAMPLE = "BENCH"
RULE = "quantify_smallrna"
# Stages of the job in the order they run; the bowtie steps ("bowtie <step>" rows of the
# stage table) run alongside trim_collapse_align, and "quantify" (a forked process)
# alongside write.
STAGES = ["trim_collapse_align", "cascade_tail", "rank", "write", "quantify_wait"]
# Script rules show in the process tree as .snakemake/scripts/tmpXXXX.<script>.py.
SCRIPT_NAME = re.compile(r"\.(\w+)\.py\b")
MIRNA_FEATURES = 2656
SAMPLING_INTERVAL = 0.05


def copy_workflow(destination: Path, origin: Path = REPO) -> None:
    """Copy the parts of a workflow a run needs (not results, logs or .snakemake)."""
    for part in WORKFLOW_PARTS:
        source = origin / part
        if source.is_dir():
            shutil.copytree(
                source, destination / part, ignore=shutil.ignore_patterns("__pycache__", "index")
            )
        else:
            shutil.copy2(source, destination / part)


def environment() -> dict[str, str]:
    """The environment of every command: the venv's tools first on PATH."""
    return dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")


class TreeSampler:
    """Samples the RSS of a process tree every `interval` s, grouped into jobs.

    A job is one child of the root process (Snakemake starts one per job) with all its
    descendants; it is labelled by `label(cmdlines)`. Keeps the largest summed RSS per
    label, a time line (time, label, summed RSS) for attributing RSS to the stages of a job,
    and the CPU seconds of each job (its processes' own, plus those of descendants they
    have reaped; the last `interval` of a job is missed), summed per label.
    """

    def __init__(self, root: int, label, interval: float = SAMPLING_INTERVAL):
        self.root = psutil.Process(root)
        self.label = label
        self.interval = interval
        self.peaks: dict[str, float] = {}
        self.timeline: list[tuple[float, str, float]] = []
        self._job_cpu: dict[int, tuple[str, float]] = {}  # job pid -> (label, CPU s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self):
        """One sample: summed RSS (MB) of each job's tree, and of the root alone."""
        now = time.time()
        try:
            jobs = self.root.children()
            root_rss = self.root.memory_info().rss
        except psutil.Error:
            return
        self._keep("(root process)", root_rss)
        tree = root_rss
        for job in jobs:
            try:
                procs = [job, *job.children(recursive=True)]
            except psutil.Error:
                continue
            rss, cpu, cmdlines = 0, 0.0, []
            for proc in procs:
                try:
                    rss += proc.memory_info().rss
                    times = proc.cpu_times()
                    cpu += times.user + times.system
                    if proc.pid == job.pid:
                        cpu += times.children_user + times.children_system
                    cmdlines.append(" ".join(proc.cmdline()))
                except psutil.Error:
                    continue
            name = self.label(cmdlines)
            # A job that is exiting has no command line left: keep the name it had.
            known, previous = self._job_cpu.get(job.pid, (name, 0.0))
            if known != "other":
                name = known
            self._job_cpu[job.pid] = (name, max(previous, cpu))
            self._keep(name, rss)
            self.timeline.append((now, name, rss / 2**20))
            tree += rss
        self._keep("(tree)", tree)

    def cpu(self) -> dict[str, float]:
        """CPU seconds per label, over all jobs seen."""
        totals: dict[str, float] = {}
        for name, seconds in self._job_cpu.values():
            totals[name] = totals.get(name, 0.0) + seconds
        return totals

    def peak_between(self, name: str, start: float, end: float) -> float:
        """Largest summed RSS (MB) of the jobs labelled `name` sampled in [start, end]."""
        values = [rss for t, label, rss in self.timeline if label == name and start <= t <= end]
        return max(values, default=float("nan"))

    def _keep(self, name: str, rss: int):
        self.peaks[name] = max(self.peaks.get(name, 0.0), rss / 2**20)


def rule_of(cmdlines: list[str]) -> str:
    """The rule a job's process tree belongs to, from its command lines."""
    text = " ".join(cmdlines)
    for match in SCRIPT_NAME.finditer(text):
        return match.group(1)
    if "bowtie-build" in text:
        return "bowtie_index"
    if "cutadapt" in text:
        return "cutadapt"
    return "other"


@dataclass
class Measurement:
    """One timed command: wall and CPU seconds, RSS samples, peak RSS of one process."""

    wall: float
    cpu: float
    sampler: TreeSampler
    max_process_mb: float

    @property
    def peaks(self) -> dict[str, float]:
        """Peak summed RSS (MB) per job label, '(tree)' and '(root process)'."""
        return self.sampler.peaks


def timed(command: list[str], cwd: Path, log: Path, label, stdout: Path | None = None) -> Measurement:
    """Run a command to completion, sampling its process tree; exit if it fails.

    Standard output goes to `stdout` if given, else to `log` with standard error.
    """
    with open(log, "w") as err, open(stdout or os.devnull, "wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, env=environment(), stdout=out if stdout else err,
            stderr=err, stdin=subprocess.DEVNULL,
        )
        with TreeSampler(process.pid, label) as sampler:
            # wait4's usage covers the process and every descendant it (transitively) reaped.
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"failed (exit {code}): {shlex.join(command)}\nsee {log}:\n"
                 + log.read_text()[-3000:])
    return Measurement(wall, usage.ru_utime + usage.ru_stime, sampler, usage.ru_maxrss / 1024)


def bench_sheet(workdir: Path, generated: Path) -> Path:
    """The demo sheet plus the generated library, renamed to SAMPLE."""
    demo = pd.read_csv(workdir / "config" / "samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    new = pd.read_csv(generated / "smallrna_samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    new = new.iloc[[0]].assign(sample=SAMPLE)
    sheet = workdir / "config" / "bench_samples.tsv"
    pd.concat([demo, new.reindex(columns=demo.columns, fill_value="")]).to_csv(sheet, sep="\t", index=False)
    return sheet


def reference_targets(config: dict) -> list[str]:
    """Per-cohort references of the small-RNA path: bowtie indexes and miRBase arms."""
    steps = [step["name"] for step in config["smallrna"]["cascade"]]
    return [f"results/references/smallrna/{s}.1.ebwt" for s in steps] + [
        "results/references/mirbase_arms.tsv"
    ]


def job_record(workdir: Path) -> dict:
    """Snakemake's benchmark record of the job of RULE for SAMPLE."""
    table = pd.read_csv(workdir / "benchmarks" / RULE / f"{SAMPLE}.tsv", sep="\t")
    return table.iloc[0].to_dict()


def stage_table(workdir: Path) -> pd.DataFrame:
    """The stage table the job wrote (stage, start, end, wall_s, cpu_s, items)."""
    path = workdir / "logs" / RULE / f"{SAMPLE}.stages.tsv"
    return pd.read_csv(path, sep="\t", keep_default_na=False).set_index("stage")


def deseq2_benchmark(cores: int, samples: int, features: int, seed: int) -> dict:
    """Time exocargo.diffexp.run_deseq2 on a simulated count matrix (runs in this process)."""
    import numpy as np

    sys.path.insert(0, str(REPO / "workflow" / "scripts"))
    from exocargo import diffexp, tables

    rng = np.random.default_rng(seed)
    names = [f"S{i + 1:03d}" for i in range(samples)]
    sheet = pd.DataFrame(
        {
            "sample": names,
            "resistance": ["resistant" if i % 2 == 0 else "sensitive" for i in range(samples)],
            "metastasis": ["metastatic" if (i // 2) % 2 == 0 else "localized" for i in range(samples)],
            "batch": [f"B{(i // 4) % 2 + 1}" for i in range(samples)],
        }
    ).set_index("sample", drop=False)
    # Mean expression spans five orders of magnitude like miRNA-seq (a few miRNAs take most
    # reads); a tenth of the features change 2-fold with resistance; NB dispersion 0.1.
    base = np.exp(rng.normal(np.log(50), 2.5, size=features))
    fold = np.where(rng.random(features) < 0.1, rng.choice([0.5, 2.0], size=features), 1.0)
    size = rng.lognormal(0, 0.3, size=samples)
    resistant = (sheet["resistance"] == "resistant").to_numpy()
    mean = base[:, None] * size[None, :] * np.where(resistant[None, :], fold[:, None], 1.0)
    dispersion = 0.1
    counts = rng.negative_binomial(1 / dispersion, 1 / (1 + mean * dispersion))
    matrix = pd.DataFrame(counts, index=[f"hsa-miR-{i}" for i in range(features)], columns=names)
    contrast = diffexp.Contrast(
        "resistant_vs_sensitive", "resistance", "resistant", "sensitive", ("batch", "metastasis")
    )
    start = time.perf_counter()
    result = diffexp.run_deseq2(matrix, sheet, contrast, n_cpus=cores)
    wall = time.perf_counter() - start
    return {"wall": wall, "tested": len(result), "significant": int(tables.significant(result["padj"], 0.05).sum())}


def main(argv: list[str] | None = None) -> int:
    """Command line: run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=2_000_000, help="reads of the library (default 2,000,000)")
    parser.add_argument("--cores", type=int, default=2, help="cores for cutadapt and snakemake (default 2)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="alternating runs of cutadapt alone and the pipeline (default 3)")
    parser.add_argument("--deseq2-samples", type=int, default=100)
    parser.add_argument("--deseq2-features", type=int, default=MIRNA_FEATURES)
    parser.add_argument("--skip-deseq2", action="store_true")
    parser.add_argument("--source", type=Path, default=REPO,
                        help="benchmark the workflow in this directory (default: this repository), "
                        "e.g. a copy with a proposed change")
    parser.add_argument("--workdir", type=Path, help="work here instead of a temporary directory")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--max-ratio", type=float, help="exit 1 if pipeline/cutadapt wall is above this")
    parser.add_argument("--max-rss-mb", type=float, help="exit 1 if any job's peak RSS is above this")
    parser.add_argument("--_deseq2-only", dest="deseq2_only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.deseq2_only:
        print(json.dumps(deseq2_benchmark(args.cores, args.deseq2_samples, args.deseq2_features, 1)))
        return 0

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="exocargo-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return run(args, workdir.resolve())
    finally:
        if args.workdir is None and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"work directory kept: {workdir}")


def clean_sample_outputs(workdir: Path) -> None:
    """Remove what the pipeline wrote for SAMPLE, so that the next repetition redoes it."""
    for path in [
        workdir / "results" / "trimmed" / f"{SAMPLE}.cutadapt.json",
        *(workdir / "benchmarks").glob(f"*/{SAMPLE}.tsv"),
        *(workdir / "logs").glob(f"*/{SAMPLE}.*"),
    ]:
        path.unlink(missing_ok=True)
    shutil.rmtree(workdir / "results" / "smallrna" / SAMPLE, ignore_errors=True)


@dataclass
class PipelineRun:
    """One pipeline run with the figures read from its job."""

    measurement: Measurement
    job: dict
    stages: pd.DataFrame

    @property
    def job_wall(self) -> float:
        """Wall seconds of the job (Snakemake's benchmark record)."""
        return float(self.job["s"])


def load_average() -> str:
    """The 1-minute load average and the cores, as a caveat on shared machines."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


def spread(values: list[float]) -> str:
    """min-max of a few repeated figures."""
    return f"{min(values):.2f}-{max(values):.2f}" if len(values) > 1 else f"{values[0]:.2f}"


def run(args, workdir: Path) -> int:
    """The benchmark proper, in `workdir`."""
    python = str(VENV_BIN / "python")
    cores = str(args.cores)
    copy_workflow(workdir, args.source.resolve())
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    logs = workdir / "bench_logs"
    logs.mkdir(exist_ok=True)
    print(f"start: {load_average()}")

    generated = workdir / "bench_data"
    generate = [python, "resources/demo/simulate_smallrna.py", "--outdir", str(generated),
                "--samples", "1", "--reads", str(args.reads)]
    generation = timed(generate, workdir, logs / "generate.log", rule_of)
    sheet = bench_sheet(workdir, generated)
    fastq = Path(pd.read_csv(sheet, sep="\t", dtype=str).set_index("sample").loc[SAMPLE, "fastq_1"])
    fastq = fastq if fastq.is_absolute() else workdir / fastq
    print(f"library: {args.reads:,} reads, {fastq.stat().st_size / 2**20:.1f} MB gzipped "
          f"(generated in {generation.wall:.1f} s: {shlex.join(generate[1:])})")

    # --config takes every argument after it: targets go before it.
    snakemake = [str(VENV_BIN / "snakemake"), "--cores", cores]
    settings = ["--config", f"samples={sheet.relative_to(workdir)}"]
    references = timed(snakemake + reference_targets(config) + settings, workdir,
                       logs / "references.log", rule_of)

    # cutadapt alone: the pipeline's own trimming command (same arguments, -j, FASTA to
    # standard output), its output written to a file instead of the collapser's pipe.
    sys.path.insert(0, str(workdir / "workflow" / "scripts"))
    from exocargo import smallrna, trimming

    alone = workdir / "cutadapt_alone"
    alone.mkdir(exist_ok=True)
    cutadapt = smallrna.cutadapt_command(trimming.cutadapt_arguments(**config["trimming"]),
                                         args.cores, alone / "trimmed.cutadapt.json", fastq)
    target = f"results/smallrna/{SAMPLE}/mirna_counts.tsv"
    pipeline_command = snakemake + [target] + settings

    # Alternate the two so that load from elsewhere hits both alike.
    runs: list[tuple[Measurement, PipelineRun]] = []
    for repetition in range(1, args.repeat + 1):
        trim_alone = timed(cutadapt, workdir, alone / "cutadapt.log", lambda c: "cutadapt",
                           stdout=alone / "trimmed.fa")
        clean_sample_outputs(workdir)
        measured = timed(pipeline_command, workdir, logs / f"pipeline.{repetition}.log", rule_of)
        pipeline = PipelineRun(measured, job_record(workdir), stage_table(workdir))
        runs.append((trim_alone, pipeline))
        print(f"repetition {repetition}: cutadapt alone {trim_alone.wall:.2f} s "
              f"({trim_alone.cpu:.1f} CPU s), pipeline {measured.wall:.2f} s "
              f"({measured.cpu:.1f} CPU s), ratio {measured.wall / trim_alone.wall:.2f}; {load_average()}")

    best_alone = min((a for a, _ in runs), key=lambda m: m.wall)
    best = min((p for _, p in runs), key=lambda p: p.measurement.wall)
    reads = args.reads

    print()
    print(f"cutadapt alone: {shlex.join(['cutadapt', *cutadapt[1:-1]]).replace(str(alone), '.')} "
          "IN.fastq.gz > OUT.fa")
    print(f"pipeline:       (cd <workflow copy> && {shlex.join(['snakemake', *pipeline_command[1:]])})")
    print(f"{args.cores} cores; figures of the fastest run of each, spread over the "
          f"{args.repeat} runs in brackets")
    print()
    header = (f"{'stage':<28} {'wall s':>7} {'CPU s':>6} {'reads/s':>11} {'peak RSS MB':>12}  processed")
    print(header)
    print("-" * (len(header) + 30))
    print(f"{'cutadapt alone':<28} {best_alone.wall:>7.2f} {best_alone.cpu:>6.1f} "
          f"{reads / best_alone.wall:>11,.0f} {best_alone.peaks.get('(tree)', float('nan')):>12.0f}  "
          f"same file, same command [{spread([a.wall for a, _ in runs])} s]")
    sampler = best.measurement.sampler
    stage_wall = 0.0
    stage_cpu = 0.0
    for stage, row in best.stages.iterrows():
        wall, cpu = float(row["wall_s"]), float(row["cpu_s"])
        alongside = stage not in STAGES
        if not alongside:
            stage_wall += wall
        stage_cpu += cpu
        if alongside:
            peak = float(row["max_rss_mb"])  # the process's own peak (wait4)
            label = f"    {stage} (alongside)"
        else:
            peak = sampler.peak_between(RULE, float(row["start"]), float(row["end"]))
            label = f"  {stage}"
        walls = [float(p.stages.loc[stage, "wall_s"]) for _, p in runs]
        rate = f"{reads / wall:>11,.0f}" if wall > 0 else f"{'-':>11}"
        print(f"{label:<28} {wall:>7.2f} {cpu:>6.1f} {rate} {peak:>12.0f}  "
              f"{row['items']} [{spread(walls)} s]")
    job_cpu = sampler.cpu().get(RULE, float("nan"))
    startup = best.job_wall - stage_wall
    print(f"  {'job start-up, imports':<26} {startup:>7.2f} {job_cpu - stage_cpu:>6.1f} {'':>11} {'':>12}  "
          "interpreter, Snakemake's script preamble, modules (job wall minus stages)")
    print(f"{'job ' + RULE:<28} {best.job_wall:>7.2f} {job_cpu:>6.1f} {reads / best.job_wall:>11,.0f} "
          f"{best.measurement.peaks.get(RULE, float('nan')):>12.0f}  Snakemake's benchmark record: "
          f"{best.job['s']:.2f} s, max_rss {best.job['max_rss']} MB")
    overhead = best.measurement.wall - best.job_wall
    print(f"{'snakemake itself':<28} {overhead:>7.2f} {best.measurement.cpu - job_cpu:>6.1f} {'':>11} "
          f"{best.measurement.peaks.get('(root process)', float('nan')):>12.0f}  start-up, parsing, DAG, "
          "job launch and bookkeeping (pipeline wall minus job wall)")
    print(f"{'pipeline wall':<28} {best.measurement.wall:>7.2f} {best.measurement.cpu:>6.1f} "
          f"{reads / best.measurement.wall:>11,.0f} {best.measurement.peaks.get('(tree)', float('nan')):>12.0f}"
          f"  [{spread([p.measurement.wall for _, p in runs])} s]")
    print()
    reference_peak = max([v for k, v in references.peaks.items() if not k.startswith("(")] or [0])
    print(f"references (once per cohort, not in the pipeline wall): {references.wall:.1f} s, "
          f"peak RSS {reference_peak:.0f} MB")
    # Each pipeline run is paired with the cutadapt run just before it, so that both saw
    # the same load; the median pair is the headline.
    ratios = sorted(p.measurement.wall / a.wall for a, p in runs)
    cpu_ratios = sorted(p.measurement.cpu / a.cpu for a, p in runs)
    ratio = statistics.median(ratios)
    print(f"ratio pipeline wall / cutadapt-alone wall: {ratio:.2f} (median of {len(runs)} "
          f"alternating pairs: " + ", ".join(f"{r:.2f}" for r in ratios)
          + f"); best of each: {best.measurement.wall:.2f} / {best_alone.wall:.2f} = "
          f"{best.measurement.wall / best_alone.wall:.2f}; with the references: "
          f"{(best.measurement.wall + references.wall) / best_alone.wall:.2f}")
    print(f"CPU time ratio (user+sys): {statistics.median(cpu_ratios):.2f} (median; "
          + ", ".join(f"{r:.2f}" for r in cpu_ratios) + ")")
    job_peaks = {k: v for _, p in runs for k, v in p.measurement.peaks.items() if not k.startswith("(")}
    worst = max(job_peaks, key=job_peaks.get) if job_peaks else "none"
    peak_job = job_peaks.get(worst, 0.0)
    print(f"peak RSS of any job: {peak_job:.0f} MB ({worst}, summed over the job's processes); "
          f"largest single process: {max(p.measurement.max_process_mb for _, p in runs):.0f} MB "
          f"(getrusage, snakemake itself included)")

    failed = False
    if not args.skip_deseq2:
        command = [python, str(Path(__file__).resolve()), "--_deseq2-only", "--cores", cores,
                   "--deseq2-samples", str(args.deseq2_samples),
                   "--deseq2-features", str(args.deseq2_features)]
        deseq2 = timed(command, workdir, logs / "deseq2.log", lambda c: "deseq2")
        result = json.loads((logs / "deseq2.log").read_text().strip().splitlines()[-1])
        print(f"pydeseq2 ({args.deseq2_features:,} miRNAs x {args.deseq2_samples} samples, "
              f"design ~ batch + metastasis + resistance, {args.cores} cpus): run_deseq2 "
              f"{result['wall']:.1f} s ({result['tested']:,} features tested after the min_count "
              f"filter, {result['significant']} significant); {deseq2.wall:.1f} s with imports, "
              f"{deseq2.cpu:.1f} CPU s; peak RSS {deseq2.peaks.get('(tree)', deseq2.max_process_mb):.0f} MB")
    print(f"end: {load_average()}")
    if args.max_ratio is not None and ratio > args.max_ratio:
        print(f"FAIL: ratio {ratio:.2f} > {args.max_ratio}")
        failed = True
    if args.max_rss_mb is not None and peak_job > args.max_rss_mb:
        print(f"FAIL: peak RSS {peak_job:.0f} MB > {args.max_rss_mb} MB")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

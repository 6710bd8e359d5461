#!/usr/bin/env python3
"""Scale of the DAG: time `snakemake -n` on a generated sheet of many small-RNA samples.

    .venv/bin/python benchmarks/dag_scale.py                 # 1,000 samples
    .venv/bin/python benchmarks/dag_scale.py --samples 1000 --samples 12
    .venv/bin/python benchmarks/dag_scale.py -- --profile profiles/slurm   # as on a cluster

For each sample count, a copy of the workflow (Snakefile, config, workflow, resources,
profiles) is made in a temporary directory, with a generated tab-separated sheet of N
small-RNA samples in a balanced 2 x 2 design (resistance x metastasis) with two batches, and
one empty placeholder FASTQ per sample (a dry run never opens them). `snakemake -n` then
runs there, with the repository's config (only `samples` pointing at the generated sheet)
and any snakemake arguments given after `--`. The script prints the wall time, the peak RSS
of the snakemake process and the number of jobs per rule, and checks that the DAG grows by
sample and never by feature: every rule has either one job per sample or a number of jobs
that does not depend on the cohort (at most one per contrast and RNA class or per cascade
step).

The repository's results/ and .snakemake/ are never touched. Exit status 1 if a check fails
or the dry run exceeds --limit seconds (default 60, the acceptance bound).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORKFLOW_PARTS = ["Snakefile", "config", "workflow", "resources", "profiles"]
# Jobs of rules that do not run per sample: a handful per cascade step, contrast and RNA
# class. Anything above this for a rule that is not per sample means jobs per feature.
MAX_COHORT_LEVEL_JOBS = 50


def copy_workflow(destination: Path) -> None:
    """Copy the parts of the repository a run needs (not results, logs or .snakemake)."""
    for part in WORKFLOW_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(
                source,
                destination / part,
                ignore=shutil.ignore_patterns("__pycache__", "index"),
            )
        else:
            shutil.copy2(source, destination / part)


def write_sheet(workdir: Path, samples: int) -> Path:
    """A balanced sheet of `samples` small-RNA libraries with empty placeholder FASTQs."""
    data = workdir / "data" / "placeholders"
    data.mkdir(parents=True)
    sheet = workdir / "config" / f"samples_{samples}.tsv"
    levels = [
        ("resistant", "metastatic"),
        ("resistant", "localized"),
        ("sensitive", "metastatic"),
        ("sensitive", "localized"),
    ]
    width = len(str(samples))
    lines = ["sample\tlibrary\tfastq_1\tfastq_2\tresistance\tmetastasis\tbatch"]
    for index in range(samples):
        name = f"P{index + 1:0{width}d}"
        fastq = data / f"{name}.fastq.gz"
        fastq.touch()
        resistance, metastasis = levels[index % 4]
        batch = f"B{(index // 4) % 2 + 1}"
        lines.append(
            f"{name}\tsmall\t{fastq.relative_to(workdir)}\t\t{resistance}\t{metastasis}\t{batch}"
        )
    sheet.write_text("\n".join(lines) + "\n")
    return sheet


def job_counts(output: str) -> dict[str, int]:
    """Jobs per rule from the 'Job stats' table that a dry run prints."""
    counts: dict[str, int] = {}
    in_table = False
    for line in output.splitlines():
        if line.startswith("Job stats:"):
            in_table = True
            counts.clear()
            continue
        if in_table:
            match = re.match(r"^(\S+)\s+(\d+)\s*$", line)
            if match:
                counts[match.group(1)] = int(match.group(2))
            elif counts and not line.strip():
                in_table = False
    return counts


def dry_run(samples: int, keep: bool, extra: list[str]) -> tuple[float, float, dict[str, int]]:
    """Run `snakemake -n` on a generated sheet; return (wall s, peak RSS MB, jobs per rule)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"exocargo-dag-{samples}-"))
    try:
        copy_workflow(workdir)
        sheet = write_sheet(workdir, samples)
        command = [
            "snakemake",
            "-n",
            "--config",
            f"samples={sheet.relative_to(workdir)}",
            *extra,
        ]
        env = dict(os.environ, PATH=f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        done = subprocess.run(
            command, cwd=workdir, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
        wall = time.perf_counter() - start
        # ru_maxrss of reaped children is the largest single child, in KiB on Linux.
        peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        (workdir / "dry_run.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            sys.exit(
                f"snakemake -n failed on {samples} samples (exit {done.returncode}); "
                f"log: {workdir / 'dry_run.log'}\n{(done.stdout + done.stderr)[-3000:]}"
            )
        print(f"  command: (cd {workdir} && {' '.join(command)})")
        return wall, peak, job_counts(done.stdout + done.stderr)
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"  kept: {workdir}")


def main(argv: list[str] | None = None) -> int:
    """Command line: time dry runs for each --samples value and check the DAG's shape."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, action="append", help="sample count (repeatable; default 1000)")
    parser.add_argument("--limit", type=float, default=60.0, help="fail above this many seconds (default 60)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workflow copies")
    parser.add_argument("snakemake_args", nargs="*", help="extra snakemake arguments, after --")
    args = parser.parse_args(argv)
    failures = []
    for samples in args.samples or [1000]:
        print(f"snakemake -n on {samples} small-RNA samples")
        wall, peak, counts = dry_run(samples, args.keep, args.snakemake_args)
        total = counts.pop("total", sum(counts.values()))
        for rule, jobs in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            kind = "per sample" if jobs == samples else "per cohort"
            if jobs != samples and jobs > MAX_COHORT_LEVEL_JOBS:
                kind = "TOO MANY: grows with something other than samples"
                failures.append(f"{samples} samples: rule {rule} has {jobs} jobs")
            print(f"    {rule:<28} {jobs:>6}  {kind}")
        print(f"    {'total':<28} {total:>6}")
        print(f"  dry run: {wall:.1f} s wall, peak RSS {peak:.0f} MB ({samples} samples, {total} jobs)")
        if wall > args.limit:
            failures.append(f"{samples} samples: dry run took {wall:.1f} s > {args.limit:.0f} s")
    for failure in failures:
        print("FAIL: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

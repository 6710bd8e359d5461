"""Peak memory of every per-sample job at 1x and 10x the demo's sample size.

Simulates, with the demo generators (resources/demo/simulate_*.py, default seeds), four
small-RNA and four paired long-RNA samples (one per cell of the 2x2 design) at two depths,
runs the workflow on each set up to the count matrices and the QC table, and reads the
peak resident memory (max_rss) that snakemake's benchmark files record for every job with
a {sample} wildcard. Per rule it prints the largest max_rss over the samples at each depth
and their ratio: a ratio near 1 means the job's memory does not grow with the sample, a
ratio near the depth ratio means it grows linearly.

    python benchmarks/memory_scaling.py                      # 1x and 10x, --cores 2
    python benchmarks/memory_scaling.py --out scaling.tsv --keep /tmp/scaling

1x is 50,000 small-RNA reads and 8,000 long-RNA read pairs per sample (the demo's
libraries hold 32,000-75,000 reads and 7,000-9,000 pairs). Not a test: it takes minutes
and its numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
COPIED = ["Snakefile", "config", "workflow", "resources"]
CONTRAST = "resistant_vs_sensitive"
TARGETS = [
    "results/counts/mirna.tsv",
    "results/counts/mrna.tsv",
    "results/counts/circrna.tsv",
    "results/qc/samples.tsv",
]


def prepare(workdir: Path, small_reads: int, long_pairs: int) -> None:
    """Copy the workflow into ``workdir`` and simulate its reads, sheet and config."""
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, workdir / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, workdir / name)
    demo = workdir / "resources" / "demo"
    python = sys.executable
    subprocess.run(
        [python, str(demo / "simulate_smallrna.py"), "--outdir", "sim/small", "--samples", "4",
         "--reads", str(small_reads), "--mirbase-dir", "resources/mirbase"],
        cwd=workdir, check=True,
    )
    subprocess.run(
        [python, str(demo / "simulate_longrna.py"), "--outdir", "sim/long", "--samples", "4",
         "--pairs", str(long_pairs)],
        cwd=workdir, check=True,
    )
    small = pd.read_csv(workdir / "sim/small/smallrna_samples.tsv", sep="\t", dtype=str,
                        keep_default_na=False)
    small["fastq_1"] = [f"sim/small/smallrna/{s}.fastq.gz" for s in small["sample"]]
    long = pd.read_csv(workdir / "sim/long/longrna_samples.tsv", sep="\t", dtype=str,
                       keep_default_na=False)
    long["fastq_1"] = [f"sim/long/reads/{s}_R1.fastq.gz" for s in long["sample"]]
    long["fastq_2"] = [f"sim/long/reads/{s}_R2.fastq.gz" for s in long["sample"]]
    sheet = pd.concat([small, long], ignore_index=True).fillna("")
    columns = ["sample", "library", "fastq_1", "fastq_2", "strandedness", "resistance",
               "metastasis", "batch"]
    sheet.reindex(columns=columns, fill_value="").to_csv(
        workdir / "config" / "scaling.tsv", sep="\t", index=False
    )
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    config["samples"] = "config/scaling.tsv"
    config["longrna"]["genome"] = "sim/long/genome.fa"
    config["longrna"]["gtf"] = "sim/long/genes.gtf"
    config["circrna"]["known"] = "sim/long/circrna.bed"
    # one sample per cell: the batch covariate would leave no residual degree of freedom
    contrast = dict(config["diffexp"]["contrasts"][CONTRAST], covariates=["metastasis"])
    config["diffexp"]["contrasts"] = {CONTRAST: contrast}
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def peak_memory(workdir: Path) -> pd.DataFrame:
    """max_rss (MB) of every per-sample job: rule, sample, max_rss."""
    sheet = pd.read_csv(workdir / "config" / "scaling.tsv", sep="\t", dtype=str)
    samples = set(sheet["sample"])
    rows = []
    for path in sorted((workdir / "benchmarks").glob("*/*.tsv")):
        if path.stem in samples:
            table = pd.read_csv(path, sep="\t")
            rows.append((path.parent.name, path.stem, float(table["max_rss"].max())))
    return pd.DataFrame(rows, columns=["rule", "sample", "max_rss"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=int, nargs=2, default=[1, 10], metavar=("LOW", "HIGH"))
    parser.add_argument("--small-reads", type=int, default=50_000, help="reads per sample at 1x")
    parser.add_argument("--long-pairs", type=int, default=8_000, help="pairs per sample at 1x")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", help="run in this directory and keep it (default: a temporary one)")
    parser.add_argument("--out", help="also write the table here (TSV)")
    args = parser.parse_args(argv)
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="exocargo-scaling-"))
    peaks = {}
    try:
        for scale in args.scales:
            workdir = base / f"scale_{scale}x"
            workdir.mkdir(parents=True, exist_ok=True)
            prepare(workdir, args.small_reads * scale, args.long_pairs * scale)
            # the venv's tools (cutadapt, python with dnaio, ...) first on PATH, as under make
            bin_dir = str(Path(sys.executable).parent)
            subprocess.run(
                [str(Path(bin_dir) / "snakemake"), *TARGETS, "--cores", str(args.cores)],
                cwd=workdir, check=True,
                env=dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}"),
            )
            peaks[scale] = peak_memory(workdir).groupby("rule")["max_rss"].max()
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    low, high = args.scales
    table = pd.DataFrame({f"max_rss_{low}x_mb": peaks[low], f"max_rss_{high}x_mb": peaks[high]})
    table["ratio"] = (table.iloc[:, 1] / table.iloc[:, 0]).round(2)
    table = table.sort_values("ratio", ascending=False)
    print(table.to_string())
    if args.out:
        table.to_csv(args.out, sep="\t")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Reruns, determinism and recovery of the real workflow, on a reduced copy of the demo.

Runs (each in its own copy of the workflow):

- ``demo_run`` (conftest): the whole demo, ``--cores 2``, shared with the other workflow
  tests. Used here only as the reference for per-sample counts.
- ``reduced_run``: the reduced demo (below), from scratch, ``--cores 1``, uninterrupted.
  The reference of the determinism and recovery comparisons; its copy also takes the
  dry runs of the rerun tests.
- ``killed_run``: the reduced demo from scratch with ``--cores 2``, killed with SIGKILL
  (the whole process group: snakemake and the STAR it is running) as soon as a STAR
  alignment has started, then restarted the way a user would (``--unlock`` and
  ``--rerun-incomplete`` only where snakemake asks for them) and run to the end.

The reduced demo: one small-RNA and one long-RNA sample per cell of the 2x2 design
(resistance x metastasis: S01/L01, S04/L04, S07/L07, S10/L10), plus one small-RNA and one
paired long-RNA sample whose FASTQ files are empty (gzip streams of no reads, written by
the test). One contrast, resistant_vs_sensitive, with metastasis as its only covariate
(the demo's batch covariate would leave 4 samples no residual degree of freedom): 4
tested samples per library for 3 coefficients once the empty ones are left out. Targets
are the count matrices, DE and cargo tables and the QC table (no figures or reports).
"""

import gzip
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import BIN, copy_workflow, snakemake, workflow_env

pytestmark = [pytest.mark.workflow, pytest.mark.reliability]

CELLS = ("S01", "S04", "S07", "S10", "L01", "L04", "L07", "L10")
EMPTY_SMALL, EMPTY_LONG = "E00_res_met", "F00_res_met"
CONTRAST = "resistant_vs_sensitive"
RNA_CLASSES = ("mirna", "lncrna", "mrna", "circrna")
TARGETS = (
    [f"results/counts/{c}.tsv" for c in RNA_CLASSES]
    + [f"results/de/{CONTRAST}/{c}.tsv" for c in RNA_CLASSES]
    + [f"results/cargo/{CONTRAST}.tsv", "results/qc/samples.tsv"]
)
# Tables that must be byte-identical between runs.
COMPARED = TARGETS + [
    "results/counts/genes.tsv",
    "results/counts/circrna_ratio.tsv",
    "results/qc/composition.tsv",
]


def reduced_workflow(workdir: Path) -> Path:
    """Copy the workflow and write the reduced sheet, config and empty FASTQ files."""
    copy_workflow(workdir)
    lines = (workdir / "config" / "samples.tsv").read_text().splitlines()
    keep = [l for l in lines[1:] if l.split("\t")[0][:3] in CELLS]
    (workdir / "data").mkdir()
    for name in ("empty", "empty_R1", "empty_R2"):
        gzip.GzipFile(workdir / "data" / f"{name}.fastq.gz", "wb", mtime=0).close()
    keep += [
        f"{EMPTY_SMALL}\tsmall\tdata/empty.fastq.gz\t\t\tresistant\tmetastatic\tB1",
        f"{EMPTY_LONG}\tlong\tdata/empty_R1.fastq.gz\tdata/empty_R2.fastq.gz\t\t"
        "resistant\tmetastatic\tB1",
    ]
    (workdir / "config" / "reduced.tsv").write_text("\n".join([lines[0]] + keep) + "\n")
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    config["samples"] = "config/reduced.tsv"
    contrast = dict(config["diffexp"]["contrasts"][CONTRAST], covariates=["metastasis"])
    config["diffexp"]["contrasts"] = {CONTRAST: contrast}
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return workdir


def planned_jobs(workdir: Path, *args: str) -> set[tuple[str, str]]:
    """(rule, wildcards) of every job a dry run of the reduced targets would run."""
    result = snakemake(workdir, *TARGETS, "--dry-run", "--cores", "2", *args)
    jobs, rule = set(), None
    for line in result.stdout.splitlines():
        match = re.match(r"^(?:local)?rule (\w+):$", line)
        if match:
            if rule:
                jobs.add((rule, ""))
            rule = match.group(1)
        elif rule and line.startswith("    wildcards: "):
            jobs.add((rule, line.split(": ", 1)[1]))
            rule = None
        elif rule and not line.startswith("    "):
            jobs.add((rule, ""))
            rule = None
    return jobs


@pytest.fixture(scope="module")
def reduced_run(tmp_path_factory):
    """The reduced demo from scratch with --cores 1 (see the module docstring)."""
    workdir = reduced_workflow(tmp_path_factory.mktemp("reduced_cores1"))
    snakemake(workdir, *TARGETS, "--cores", "1")
    return workdir


def group_members(pgid: int) -> list[str]:
    """Live (not zombie) processes of a process group, from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(stat.parent.name)
    return members


def star_started(workdir: Path) -> list[Path]:
    """STAR reports of alignments under way: shadowed jobs write in .snakemake/shadow."""
    return list(workdir.glob(".snakemake/shadow/*/results/star/*/Log.out"))


@pytest.fixture(scope="module")
def killed_run(tmp_path_factory):
    """The reduced demo with --cores 2, SIGKILLed during STAR, then restarted to the end.

    Returns the directory, the STAR directories whose job was under way at the kill (in its
    shadow directory), those of them that already held a final output then, and what the
    restart had to ask snakemake for (--unlock, --rerun-incomplete).
    """
    workdir = reduced_workflow(tmp_path_factory.mktemp("reduced_killed"))
    process = subprocess.Popen(
        [str(BIN / "snakemake"), *TARGETS, "--cores", "2"],
        cwd=workdir,
        env=workflow_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, killed as one
    )
    deadline = time.monotonic() + 600
    while not star_started(workdir):
        assert process.poll() is None, "snakemake ended before any STAR alignment started"
        assert time.monotonic() < deadline, "no STAR alignment started within 10 minutes"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while group_members(process.pid):
        assert time.monotonic() < deadline, f"survived SIGKILL: {group_members(process.pid)}"
        time.sleep(0.1)
    interrupted = sorted({workdir / "results/star" / p.parent.name for p in star_started(workdir)})
    # Snakemake moves a shadowed job's outputs to their final names only after it
    # succeeded: no output of a job under way may exist under its final name.
    published_early = [
        d
        for d in interrupted
        if (d / "Aligned.sortedByCoord.out.bam").exists() or (d / "Log.final.out").exists()
    ]
    asked, extra = [], []
    for _ in range(3):
        result = snakemake(workdir, *TARGETS, "--cores", "2", *extra, check=False)
        if result.returncode == 0:
            break
        output = result.stdout + result.stderr
        if "cannot be locked" in output and "--unlock" not in asked:
            snakemake(workdir, "--unlock")
            asked.append("--unlock")
        elif "--rerun-incomplete" in output and "--rerun-incomplete" not in asked:
            extra.append("--rerun-incomplete")
            asked.append("--rerun-incomplete")
        else:
            raise AssertionError(f"restart failed:\n{output[-4000:]}")
    else:
        raise AssertionError("restart did not finish in three attempts")
    return workdir, interrupted, published_early, asked


def test_killed_star_job_left_no_final_output(killed_run):
    """At the kill, STAR had written only in its shadow directory; the rerun made it all.

    The restart needs ``--unlock`` (the killed snakemake left its lock) but not
    ``--rerun-incomplete``: no output of the killed job existed under its final name. (STAR
    takes both cores, so no other job was running at the kill.)
    """
    workdir, interrupted, published_early, asked = killed_run
    assert interrupted, "the kill hit no STAR job"
    assert published_early == []
    assert asked == ["--unlock"]
    for star_dir in interrupted:
        # after the restart, the job's outputs and STAR's reports exist, its scratch not
        assert (star_dir / "Aligned.sortedByCoord.out.bam").exists()
        assert (star_dir / "Log.out").exists()
        assert not list(star_dir.glob("_STAR*"))


@pytest.mark.parametrize("table", COMPARED)
def test_killed_and_restarted_run_equals_uninterrupted_run(killed_run, reduced_run, table):
    """--cores 2, killed and restarted == --cores 1 uninterrupted, byte for byte."""
    workdir = killed_run[0]
    assert (workdir / table).read_bytes() == (reduced_run / table).read_bytes(), table


@pytest.mark.parametrize("rna_class", ["mirna", "lncrna", "mrna"])
def test_sample_counts_do_not_depend_on_cohort_or_cores(reduced_run, demo_run, rna_class):
    """A sample's counts in the reduced run (--cores 1) equal its counts in the demo run."""
    reduced = pd.read_csv(reduced_run / f"results/counts/{rna_class}.tsv", sep="\t", dtype=str)
    demo = pd.read_csv(demo_run / f"results/counts/{rna_class}.tsv", sep="\t", dtype=str)
    shared = [c for c in reduced.columns if c in demo.columns]
    assert len(shared) >= 5  # feature_id (and gene_name) plus the 4 shared samples
    pd.testing.assert_frame_equal(reduced[shared], demo[shared])


def test_empty_fastq_gives_zero_counts_and_a_qc_fail(reduced_run):
    """An empty library runs through: zero counts, QC 'fail', left out of DE (not a crash)."""
    for rna_class, sample in (
        ("mirna", EMPTY_SMALL), ("lncrna", EMPTY_LONG), ("mrna", EMPTY_LONG),
        ("circrna", EMPTY_LONG),
    ):
        matrix = pd.read_csv(reduced_run / f"results/counts/{rna_class}.tsv", sep="\t")
        assert sample in matrix.columns and (matrix[sample] == 0).all(), rna_class
    qc = pd.read_csv(reduced_run / "results/qc/samples.tsv", sep="\t", dtype=str,
                     keep_default_na=False).set_index("sample")
    for sample in (EMPTY_SMALL, EMPTY_LONG):
        assert qc.loc[sample, "verdict"] == "fail"
        assert qc.loc[sample, "excluded_from_de"] == "yes"
    for rna_class, sample in (("mirna", EMPTY_SMALL), ("mrna", EMPTY_LONG)):
        log = (reduced_run / f"logs/diffexp/{CONTRAST}.{rna_class}.log").read_text()
        assert f"{sample} left out of {CONTRAST} (QC fail)" in log
        assert "design ~covariate1 + condition on 4 samples" in log
        table = pd.read_csv(reduced_run / f"results/de/{CONTRAST}/{rna_class}.tsv", sep="\t")
        assert len(table) > 0


@pytest.fixture(scope="module")
def rerun_copy(reduced_run, tmp_path_factory):
    """A copy of the finished reduced run (results, metadata and all) for dry runs."""
    destination = tmp_path_factory.mktemp("rerun") / "run"
    shutil.copytree(reduced_run, destination, symlinks=True)
    return destination


def test_unchanged_rerun_has_nothing_to_do(rerun_copy):
    assert planned_jobs(rerun_copy) == set()


def cohort_jobs(rna_classes=RNA_CLASSES):
    """Jobs over all samples that a change in any sample's table reruns."""
    return {("qc_table", "")} | {
        ("diffexp", f"contrast={CONTRAST}, rna_class={c}") for c in rna_classes
    } | {("annotate_cargo", f"contrast={CONTRAST}")}


class ChangedReads:
    """Drop the last read of FASTQ files for the duration of a block, then restore them.

    A changed content is what counts: snakemake 9 does not rerun for an input that is
    only newer but has the checksum it recorded.
    """

    def __init__(self, *paths):
        self.saved = {path: (path.read_bytes(), path.stat()) for path in paths}

    def __enter__(self):
        for path in self.saved:
            with gzip.open(path, "rt") as handle:
                reads = handle.read().splitlines(keepends=True)
            with gzip.open(path, "wt") as handle:
                handle.write("".join(reads[:-4]))

    def __exit__(self, *exc):
        for path, (content, stat) in self.saved.items():
            path.write_bytes(content)
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_changed_small_rna_fastq_reruns_only_that_sample(rerun_copy):
    """S01's FASTQ loses its last read: S01's jobs, the miRNA matrix and DE rerun.

    Every DE job reruns because each reads the QC table, which S01's QC metrics feed.
    """
    with ChangedReads(rerun_copy / "resources/demo/smallrna/S01_res_met.fastq.gz"):
        sample = "sample=S01_res_met"
        assert planned_jobs(rerun_copy) == {
            ("quantify_smallrna", sample),
            ("qc_smallrna_sample", sample),
            ("mirna_matrix", ""),
        } | cohort_jobs()
    assert planned_jobs(rerun_copy) == set()


def test_changed_long_rna_fastq_reruns_only_what_depends_on_it(rerun_copy):
    """L04's pair loses its last read: L04's alignment and counts rerun; other samples
    only in the jobs that read the cohort's back-splice support table (their final
    circRNA calls, and the QC that reads those)."""
    reads = rerun_copy / "resources/demo/longrna/reads"
    with ChangedReads(reads / "L04_res_loc_R1.fastq.gz", reads / "L04_res_loc_R2.fastq.gz"):
        sample = "sample=L04_res_loc"
        sheet = pd.read_csv(rerun_copy / "config/reduced.tsv", sep="\t")
        long_samples = [f"sample={s}" for s in sheet.query("library == 'long'")["sample"]]
        assert planned_jobs(rerun_copy) == {
            (rule, sample)
            for rule in (
                "trim_longrna_pe", "star_align", "star_rescue", "infer_strandedness",
                "featurecounts", "circrna_first_pass",
            )
        } | {
            (rule, s) for rule in ("circrna_sample", "qc_longrna_sample") for s in long_samples
        } | {
            ("circrna_support", ""), ("circrna_matrix", ""), ("gene_matrices", ""),
        } | cohort_jobs()
    assert planned_jobs(rerun_copy) == set()


def test_changed_de_parameter_reruns_only_de_and_later(rerun_copy):
    """diffexp.min_count changes: the DE jobs and the cargo table rerun, nothing else."""
    # a config file on the command line stands alone (the Snakefile then reads no other)
    config = yaml.safe_load((rerun_copy / "config" / "config.yaml").read_text())
    config["diffexp"]["min_count"] = 5
    (rerun_copy / "config" / "min_count_5.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    assert planned_jobs(rerun_copy, "--configfile", "config/min_count_5.yaml") == {
        ("diffexp", f"contrast={CONTRAST}, rna_class={c}") for c in RNA_CLASSES
    } | {("annotate_cargo", f"contrast={CONTRAST}")}

"""Software versions of a run: which tool environments it used, the shell query that asks
each environment's tools for their versions (rule tool_versions), and the merged table
``results/versions.tsv`` (rule software_versions).
"""

from __future__ import annotations

import importlib.metadata
import platform
from pathlib import Path
from typing import Iterable

import pandas as pd

from exocargo import tables

VERSION_COLUMNS = ["tool", "version", "source"]
PYTHON_PACKAGES = (
    "pandas",
    "numpy",
    "scipy",
    "matplotlib",
    "pysam",
    "dnaio",
    "pydeseq2",
    "jsonschema",
    "PyYAML",
    "Jinja2",
)
# Version query of the tools in each conda environment of workflow/envs; awk reads all of
# a tool's output (no early pipe close that pipefail would report).
VERSION_COMMANDS = {
    "cutadapt": {"cutadapt": "cutadapt --version"},
    "bowtie": {
        "bowtie": "bowtie --version | awk 'NR == 1 {print $NF}'",
        "samtools": "samtools --version | awk 'NR == 1 {print $2}'",
    },
    "umi_tools": {"umi_tools": "umi_tools --version | awk '{print $NF}'"},
    "star": {"STAR": "STAR --version"},
    "subread": {"featureCounts": "featureCounts -v 2>&1 | awk 'NF {print $2}'"},
    "multiqc": {"multiqc": "multiqc --version | awk '{print $NF}'"},
}
# The environments each kind of run needs; samtools (stats of the STAR BAMs of long-RNA
# libraries) comes from the bowtie environment.
ALWAYS_ENVS = ("multiqc",)
SMALL_RNA_ENVS = ("cutadapt", "bowtie")
UMI_ENVS = ("umi_tools",)
LONG_RNA_ENVS = ("cutadapt", "bowtie", "star", "subread")


# --------------------------------------------------------------------------------------------
# Querying the tools (rule tool_versions)
# --------------------------------------------------------------------------------------------


def tool_envs(small: bool, long: bool, umi: bool) -> list[str]:
    """Conda environments (workflow/envs) of the command-line tools a run uses, sorted.

    ``small``/``long``: the run has small-RNA/long-RNA libraries; ``umi``: its small-RNA
    protocol has UMIs (umi_tools runs only on small-RNA libraries).
    """
    envs = set(ALWAYS_ENVS)
    if small:
        envs.update(SMALL_RNA_ENVS)
        if umi:
            envs.update(UMI_ENVS)
    if long:
        envs.update(LONG_RNA_ENVS)
    return sorted(envs)


def version_command(env: str) -> str:
    """Shell lines printing 'tool<TAB>version' for each tool of one environment."""
    if env not in VERSION_COMMANDS:
        raise ValueError(
            f"no version query for tool environment '{env}'; known: "
            f"{', '.join(sorted(VERSION_COMMANDS))}"
        )
    # An assignment fails with the command (a missing tool: exit 127) under Snakemake's
    # strict bash; an empty answer fails the test. Either fails the job, so that no table
    # with an empty version is kept.
    return "; ".join(
        f"version=$({command}); test -n \"$version\" || "
        f"{{ echo 'no version reported by {tool}' >&2; exit 1; }}; "
        f"printf '%s\\t%s\\n' {tool} \"$version\""
        for tool, command in VERSION_COMMANDS[env].items()
    )


def env_source(env: str) -> str:
    """Where a tool environment's versions come from, as the versions table names it."""
    return f"workflow/envs/{env}.yaml"


# --------------------------------------------------------------------------------------------
# The versions table (rule software_versions)
# --------------------------------------------------------------------------------------------


def read_tool_versions(path: str | Path, source: str) -> pd.DataFrame:
    """A ``tool<TAB>version`` file written by the tool_versions rule.

    Versions are cleaned of a leading 'v' (featureCounts prints v2.0.3); an empty version
    (the tool did not answer) raises, since every listed tool is one the run used.
    """
    table = pd.read_csv(path, sep="\t", header=None, names=["tool", "version"], dtype=str,
                        keep_default_na=False)
    table["version"] = table["version"].str.strip().str.replace(r"^v(?=\d)", "", regex=True)
    empty = table.loc[table["version"] == "", "tool"].tolist()
    if empty:
        raise ValueError(f"{path}: no version reported for {', '.join(empty)}")
    table["source"] = source
    return table[VERSION_COLUMNS]


def driver_version(snakemake_version: str) -> pd.DataFrame:
    """The row of the workflow driver (Snakemake)."""
    return pd.DataFrame([("snakemake", snakemake_version, "workflow driver")],
                        columns=VERSION_COLUMNS)


def python_versions(packages: Iterable[str] = PYTHON_PACKAGES) -> pd.DataFrame:
    """Versions of Python and of the given installed packages (missing ones are skipped)."""
    rows = [("python", platform.python_version(), "python")]
    for package in packages:
        try:
            rows.append((package, importlib.metadata.version(package), "python package"))
        except importlib.metadata.PackageNotFoundError:
            continue
    return pd.DataFrame(rows, columns=VERSION_COLUMNS)


def merge_versions(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """One table of every tool, sorted by name, each tool once (the first part naming a
    tool wins)."""
    merged = pd.concat(list(parts), ignore_index=True)
    merged = merged.drop_duplicates("tool", keep="first")
    return merged.sort_values("tool", key=lambda s: s.str.lower()).reset_index(drop=True)


def read_versions(path: str | Path) -> pd.DataFrame:
    """The merged versions table (results/versions.tsv), every column as text."""
    return tables.read_table(path, text=VERSION_COLUMNS)

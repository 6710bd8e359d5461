"""The command-line tools a run calls: found where the pipeline was installed, and named
with their install command when missing, before any job starts.

``make install`` puts cutadapt, umi_tools and MultiQC in the project's virtualenv and the
aligners in the system (Debian packages). Snakemake started as ``.venv/bin/snakemake``,
without activating the venv, must still find the venv's tools in its jobs: the interpreter's
own directory goes first on the PATH the jobs inherit. With ``--sdm conda`` the tools come
from each rule's environment (workflow/envs), and nothing is checked here.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable, Iterable

# Commands each conda environment of workflow/envs provides, and how a plain (Debian +
# venv) install gets them.
COMMANDS = {
    "cutadapt": ("cutadapt",),
    "bowtie": ("bowtie", "bowtie-build", "samtools"),
    "umi_tools": ("umi_tools",),
    "star": ("STAR", "samtools"),
    "subread": ("featureCounts",),
    "multiqc": ("multiqc",),
}
INSTALL = {
    "cutadapt": "make install (cutadapt goes into .venv/)",
    "umi_tools": "make install (umi_tools goes into .venv/)",
    "multiqc": "make install (MultiQC goes into .venv/)",
    "bowtie": "apt-get install bowtie (make install does it)",
    "bowtie-build": "apt-get install bowtie (make install does it)",
    "samtools": "apt-get install samtools (make install does it)",
    "STAR": "apt-get install rna-star (make install does it)",
    "featureCounts": "apt-get install subread (make install does it)",
}


class MissingTool(RuntimeError):
    """A tool the run needs is not on the PATH; the message says how to install it."""


def path_with(interpreter: str, path: str) -> str:
    """``path`` with the directory of ``interpreter`` (the venv's bin/) first, once."""
    first = str(Path(interpreter).parent)
    rest = [entry for entry in path.split(os.pathsep) if entry and entry != first]
    return os.pathsep.join([first, *rest])


def put_first_on_path(interpreter: str) -> None:
    """Put the directory of ``interpreter`` first on this process's PATH, which every job
    inherits (run at parse time, in the workflow's process)."""
    os.environ["PATH"] = path_with(interpreter, os.environ.get("PATH", ""))


def missing(envs: Iterable[str], which: Callable[[str], str | None] = shutil.which) -> list[str]:
    """The commands of the given environments that ``which`` cannot find, in order."""
    commands = dict.fromkeys(c for env in envs for c in COMMANDS[env])
    return [command for command in commands if which(command) is None]


def check(envs: Iterable[str], which: Callable[[str], str | None] = shutil.which) -> None:
    """Raise MissingTool naming every missing command of the run and its install command."""
    absent = missing(envs, which)
    if absent:
        lines = "\n".join(f"  - {command}: {INSTALL[command]}" for command in absent)
        raise MissingTool(
            f"this run needs command-line tools that are not on the PATH:\n{lines}\n"
            "install them, or run with --sdm conda to use the environments of workflow/envs"
        )

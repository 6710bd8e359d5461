"""Shared fixtures: a copy of the workflow in a temporary directory, and a demo run in it."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COPIED = ["Snakefile", "config", "workflow", "resources", "profiles"]


def workflow_env():
    """Environment with the project's virtualenv tools first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def copy_workflow(destination: Path) -> Path:
    """Copy what a run needs (no results, no .snakemake) into ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(
                source, destination / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        elif source.exists():
            shutil.copy2(source, destination / name)
    return destination


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run snakemake in ``workdir``; output captured as text."""
    result = subprocess.run(
        [str(BIN / "snakemake"), *args],
        cwd=workdir,
        env=workflow_env(),
        capture_output=True,
        text=True,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
        )
    return result


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The whole demo, run once per test session with 2 cores; returns its directory.

    EXOCARGO_DEMO_RUN=<dir> reuses a finished demo run in <dir> instead (while working on
    the tests); it must be a run of the current workflow, which the fixture checks with a
    dry run that must have nothing to do.
    """
    reuse = os.environ.get("EXOCARGO_DEMO_RUN")
    if reuse:
        workdir = Path(reuse)
        dry = snakemake(workdir, "--cores", "2", "--dry-run")
        assert "Nothing to be done" in dry.stdout + dry.stderr, f"{workdir} is not up to date"
        return workdir
    workdir = copy_workflow(tmp_path_factory.mktemp("demo"))
    snakemake(workdir, "--cores", "2")
    return workdir

"""Finding the run's command-line tools (exocargo.tools)."""

import os
import shutil
import subprocess

import pytest

from conftest import BIN, copy_workflow
from exocargo import tools, versions


def test_the_interpreter_directory_goes_first_once():
    path = os.pathsep.join(["/usr/bin", "/opt/x/.venv/bin", "/bin"])
    assert tools.path_with("/opt/x/.venv/bin/python", path) == os.pathsep.join(
        ["/opt/x/.venv/bin", "/usr/bin", "/bin"]
    )


def test_jobs_inherit_the_interpreter_directory_on_their_path(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin")
    tools.put_first_on_path("/opt/x/.venv/bin/python")
    assert os.environ["PATH"] == os.pathsep.join(["/opt/x/.venv/bin", "/usr/bin"])


def test_every_tool_environment_lists_its_commands_and_their_install():
    assert set(tools.COMMANDS) == set(versions.VERSION_COMMANDS)
    commands = {c for listed in tools.COMMANDS.values() for c in listed}
    assert commands == set(tools.INSTALL)


def test_missing_tools_are_named_with_their_install_command():
    present = {"cutadapt", "bowtie", "bowtie-build", "multiqc"}
    with pytest.raises(tools.MissingTool) as raised:
        tools.check(["bowtie", "cutadapt", "multiqc", "star"],
                    which=lambda c: f"/usr/bin/{c}" if c in present else None)
    message = str(raised.value)
    assert "  - samtools: apt-get install samtools" in message
    assert "  - STAR: apt-get install rna-star" in message
    assert message.count("  - samtools:") == 1  # needed by two environments, named once
    assert "cutadapt" not in message


def test_nothing_is_raised_when_every_tool_is_found():
    tools.check(tools.COMMANDS, which=lambda c: f"/usr/bin/{c}")


@pytest.mark.workflow
def test_a_snakemake_started_from_the_venv_finds_the_venv_tools(tmp_path):
    """`.venv/bin/snakemake` without an activated venv: cutadapt and MultiQC (installed
    in the venv only) are found by the jobs that call them."""
    workdir = copy_workflow(tmp_path)
    system_path = os.pathsep.join(p for p in ("/usr/local/bin", "/usr/bin", "/bin")
                                  if os.path.isdir(p))
    env = dict(os.environ, PATH=system_path)
    done = subprocess.run(
        [str(BIN / "snakemake"), "--cores", "1", "results/versions/cutadapt.tsv",
         "results/versions/multiqc.tsv"],
        cwd=workdir, env=env, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (workdir / "results/versions/cutadapt.tsv").read_text().startswith("cutadapt\t5.")


@pytest.mark.workflow
def test_a_missing_tool_is_named_before_any_job(tmp_path):
    workdir = copy_workflow(tmp_path)
    bin_dir = tmp_path / "bin"  # a shell and the venv's Python, nothing else
    bin_dir.mkdir()
    for tool in ("bash", "sh", "which", "cat", "env", "dirname", "uname"):
        if shutil.which(tool):
            (bin_dir / tool).symlink_to(shutil.which(tool))
    done = subprocess.run(
        [str(BIN / "snakemake"), "--cores", "1", "--dry-run"],
        cwd=workdir, env=dict(os.environ, PATH=str(bin_dir)), capture_output=True, text=True,
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "  - STAR: apt-get install rna-star (make install does it)" in output
    assert "cutadapt:" not in output  # found in the venv

"""The workflow passes Snakemake's linter and the pinned snakefmt."""

import subprocess

from conftest import BIN, REPO, workflow_env


def test_snakemake_lint_is_clean():
    result = subprocess.run(
        [str(BIN / "snakemake"), "--lint", "--cores", "1"],
        cwd=REPO,
        env=workflow_env(),
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "Congratulations, your workflow is in a good condition!" in output, output[-3000:]


def test_snakefmt_check_passes():
    result = subprocess.run(
        [str(BIN / "snakefmt"), "--check", "."],
        cwd=REPO,
        env=workflow_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr

"""Software versions: the environments a run queries, their shell queries, the merged table."""

import pandas as pd
import shutil
import subprocess

import pytest

from exocargo import versions


@pytest.mark.parametrize(
    "small, long, umi, expected",
    [
        (True, False, False, ["bowtie", "cutadapt", "multiqc"]),
        (True, False, True, ["bowtie", "cutadapt", "multiqc", "umi_tools"]),
        (False, True, False, ["bowtie", "cutadapt", "multiqc", "star", "subread"]),
        # umi_tools runs on small-RNA libraries only
        (False, True, True, ["bowtie", "cutadapt", "multiqc", "star", "subread"]),
        (True, True, True, ["bowtie", "cutadapt", "multiqc", "star", "subread", "umi_tools"]),
        (False, False, False, ["multiqc"]),
    ],
)
def test_tool_envs_follow_the_library_types(small, long, umi, expected):
    assert versions.tool_envs(small=small, long=long, umi=umi) == expected


def test_every_env_a_run_may_use_has_a_query():
    assert set(versions.tool_envs(True, True, True)) == set(versions.VERSION_COMMANDS)


def run_query(env, tools, tmp_path):
    """Run an environment's version query as the rule does (bash strict mode), with only
    the given fake tools (name -> shell body) and the basic commands on the PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("awk", "cat"):
        (bin_dir / name).symlink_to(shutil.which(name))
    for name, body in tools.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    script = f"set -euo pipefail; ({versions.version_command(env)})"
    return subprocess.run(["/bin/bash", "-c", script], capture_output=True, text=True,
                          env={"PATH": str(bin_dir)})


def test_version_query_prints_tool_and_version_of_each_tool(tmp_path):
    done = run_query("bowtie", {
        "bowtie": "echo '/usr/bin/bowtie-align-s version 1.3.1'; echo '64-bit'",
        "samtools": "echo 'samtools 1.16.1'; echo 'Using htslib 1.16'",
    }, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "bowtie\t1.3.1\nsamtools\t1.16.1\n"
    with pytest.raises(ValueError, match="no version query for tool environment 'bwa'"):
        versions.version_command("bwa")


def test_version_query_fails_when_a_tool_is_missing_or_silent(tmp_path):
    missing = run_query("star", {}, tmp_path / "missing")
    assert missing.returncode != 0 and missing.stdout == ""
    silent = run_query("star", {"STAR": "true"}, tmp_path / "silent")
    assert silent.returncode != 0
    assert "no version reported by STAR" in silent.stderr


def test_tool_versions_are_cleaned_and_merged(tmp_path):
    path = tmp_path / "subread.tsv"
    path.write_text("featureCounts\tv2.0.3\n")
    table = versions.read_tool_versions(path, versions.env_source("subread"))
    assert table.to_dict("records") == [
        {"tool": "featureCounts", "version": "2.0.3", "source": "workflow/envs/subread.yaml"}
    ]
    merged = versions.merge_versions(
        [table, versions.driver_version("9.1.0"), versions.python_versions(["pandas"])]
    )
    assert list(merged["tool"]) == ["featureCounts", "pandas", "python", "snakemake"]
    assert merged.loc[3].to_dict() == {"tool": "snakemake", "version": "9.1.0",
                                       "source": "workflow driver"}


def test_read_tool_versions_rejects_an_empty_version(tmp_path):
    path = tmp_path / "subread.tsv"
    path.write_text("featureCounts\t\n")
    with pytest.raises(ValueError, match="no version reported for featureCounts"):
        versions.read_tool_versions(path, "x")
    path.write_text("bowtie\t1.3.1\nsamtools\t  \n")
    with pytest.raises(ValueError, match="no version reported for samtools"):
        versions.read_tool_versions(path, "x")


def test_versions_table_round_trips(tmp_path):
    from exocargo.tables import write_table

    table = versions.merge_versions([versions.python_versions(["pandas"])])
    write_table(table, tmp_path / "versions.tsv")
    pd.testing.assert_frame_equal(versions.read_versions(tmp_path / "versions.tsv"), table)

"""Software versions: the environments a run queries, their shell queries, the merged table."""

import pandas as pd
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


def test_version_command_prints_tool_and_version_of_each_tool():
    command = versions.version_command("bowtie")
    assert command == (
        "printf '%s\\t%s\\n' bowtie \"$(bowtie --version | awk 'NR == 1 {print $NF}')\"; "
        "printf '%s\\t%s\\n' samtools \"$(samtools --version | awk 'NR == 1 {print $2}')\""
    )
    assert "samtools --version | awk 'NR == 1 {print $2}'" in command
    assert versions.version_command("star") == "printf '%s\\t%s\\n' STAR \"$(STAR --version)\""
    with pytest.raises(ValueError, match="no version query for tool environment 'bwa'"):
        versions.version_command("bwa")


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

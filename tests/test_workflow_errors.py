"""Bad input stops snakemake before any job starts, with a message naming what to fix."""

import pytest

from conftest import copy_workflow, snakemake


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("errors"))


def broken_sheet(workdir, transform, name):
    lines = (workdir / "config" / "samples.tsv").read_text().splitlines()
    path = workdir / "config" / name
    path.write_text("\n".join(transform(lines)) + "\n")
    return f"config/{name}"


@pytest.mark.parametrize(
    "name, transform, expected",
    [
        (
            "missing_column.tsv",
            lambda lines: ["\t".join(l.split("\t")[:1] + l.split("\t")[2:]) for l in lines],
            "required column(s) library missing",
        ),
        (
            "duplicate.tsv",
            lambda lines: lines + [lines[1]],
            "column 'sample': duplicate sample name",
        ),
        (
            "unknown_library.tsv",
            lambda lines: [lines[0], lines[1].replace("\tsmall\t", "\ttiny\t")] + lines[2:],
            "line 2, column 'library': value 'tiny' is not allowed",
        ),
        (
            "missing_fastq.tsv",
            lambda lines: [lines[0], lines[1].replace(".fastq.gz", "_gone.fastq.gz", 1)]
            + lines[2:],
            "line 2, column 'fastq_1': FASTQ file",
        ),
    ],
)
def test_bad_sheet_fails_before_any_job(workdir, name, transform, expected):
    sheet = broken_sheet(workdir, transform, name)
    result = snakemake(workdir, "--cores", "1", "--config", f"samples={sheet}", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert sheet in output and expected in output, output[-3000:]
    assert not (workdir / "results").exists()
    assert not (workdir / "logs").exists()


def test_contrast_level_missing_fails_before_any_job(workdir):
    result = snakemake(
        workdir,
        "--cores",
        "1",
        "--config",
        "diffexp={'contrasts': {'x': {'variable': 'resistance', 'case': 'resistent', "
        "'control': 'sensitive', 'context': 'drug_resistance'}}}",
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "case level 'resistent' does not occur in column 'resistance'" in output
    assert not (workdir / "results").exists()


@pytest.mark.parametrize(
    "config_args, expected",
    [
        (
            ["--config", "colour=blue"],
            "(top level): unknown key(s) colour; allowed: cargo,",
        ),
        (
            ["--config", "trimming={'protocol': 'truseq', 'min_lenght': 17}"],
            "trimming: unknown key(s) min_lenght; allowed: adapter, max_length, min_length",
        ),
        (
            ["--config", "trimming={'protocol': 'truseq', 'min_length': 'short'}"],
            "trimming.min_length: 'short' is not of type 'integer'",
        ),
        (
            ["--config", "trimming={'protocol': 'smartseq'}"],
            "trimming.protocol: 'smartseq' is not one of",
        ),
        (
            ["--config", "cargo={'catalog': 'resources/no_such_catalog.tsv'}"],
            "cargo.catalog: resources/no_such_catalog.tsv",
        ),
    ],
)
def test_bad_config_fails_before_any_job(workdir, config_args, expected):
    result = snakemake(workdir, "--cores", "1", *config_args, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert expected in output, output[-3000:]
    assert not (workdir / "results").exists()


@pytest.mark.parametrize(
    "name, transform, expected",
    [
        (
            "traversal.tsv",
            lambda lines: [lines[0], lines[1].replace(lines[1].split("\t")[0], "../x", 1)]
            + lines[2:],
            "line 2, column 'sample': value '../x' is not allowed",
        ),
        (
            "shell.tsv",
            lambda lines: [lines[0], lines[1].replace(lines[1].split("\t")[0], "x;rm -rf y", 1)]
            + lines[2:],
            "line 2, column 'sample': value 'x;rm -rf y' is not allowed",
        ),
        (
            "empty_name.tsv",
            lambda lines: [lines[0], "\t" + lines[1].split("\t", 1)[1]] + lines[2:],
            "line 2, column 'sample': value '' is not allowed",
        ),
        (
            "small_pair.tsv",
            lambda lines: [lines[0], lines[1].replace(".fastq.gz\t\t", ".fastq.gz\tx_2.fastq.gz\t", 1)]
            + lines[2:],
            "line 2, column 'fastq_2': small-RNA libraries are single-end",
        ),
        (
            "one_replicate.tsv",
            lambda lines: [lines[0]]
            + [l for l in lines[1:] if "\tsensitive\t" not in l]
            + [next(l for l in lines[1:] if "\tsensitive\t" in l)],
            "control level 'sensitive' has 1 small-RNA sample(s)",
        ),
    ],
)
def test_bad_sheet_values_fail_before_any_job(workdir, name, transform, expected):
    sheet = broken_sheet(workdir, transform, name)
    result = snakemake(workdir, "--cores", "1", "--config", f"samples={sheet}", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert expected in output, output[-3000:]
    assert not (workdir / "results").exists()

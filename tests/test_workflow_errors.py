"""Bad input stops snakemake before any job starts, with a message naming what to fix.

Every check of config and sheet collects all problems before it stops, so each test below
runs snakemake once on a sheet or config carrying several defects and then checks each
defect's message separately (one parametrized case per defect). The broken sheets and
configs are derived from the shipped demo ones (config/samples.tsv, config/config.yaml) by
the edits written next to each case. After every run, no job may have started: there is no
results/, logs/ or benchmarks/ directory.
"""

import pytest
import yaml

from conftest import copy_workflow, snakemake

NOTHING_WRITTEN = ("results", "logs", "benchmarks")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("errors"))


def demo_sheet(workdir):
    return (workdir / "config" / "samples.tsv").read_text().splitlines()


def write_sheet(workdir, lines, name):
    (workdir / "config" / name).write_text("\n".join(lines) + "\n")
    return f"config/{name}"


def run_failing(workdir, *args):
    """Run snakemake expecting a parse-time failure; return its combined output."""
    result = snakemake(workdir, "--cores", "1", *args, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    for directory in NOTHING_WRITTEN:
        assert not (workdir / directory).exists(), f"{directory}/ written: {output[-2000:]}"
    return output


def with_name(line, name):
    return "\t".join([name] + line.split("\t")[1:])


def row_defect_sheet(lines):
    """The demo sheet with one defect on each of lines 2-8, 11 and 12 (header: line 1)."""
    small = lines[1:13]
    rows = [
        with_name(small[0], "../x"),  # line 2
        with_name(small[1], "x;rm -rf y"),  # line 3
        with_name(small[2], ""),  # line 4
        with_name(small[3], ".."),  # line 5
        small[4].replace("\tsmall\t", "\ttiny\t"),  # line 6
        small[5].replace(".fastq.gz\t\t", ".fastq.gz\tx_2.fastq.gz\t", 1),  # line 7
        small[6].replace(".fastq.gz", "_gone.fastq.gz", 1),  # line 8
        small[7],  # line 9
        small[8],  # line 10: S09_sen_met
        small[8],  # line 11: S09_sen_met again
        with_name(small[9], "s09_SEN_met"),  # line 12
    ]
    return [lines[0]] + rows + small[10:] + lines[13:]


ROW_DEFECTS = {
    "traversal": "line 2, column 'sample': value '../x' is not allowed",
    "shell": "line 3, column 'sample': value 'x;rm -rf y' is not allowed",
    "empty_name": "line 4, column 'sample': value '' is not allowed",
    "dot_dot": "line 5, column 'sample': value '..' is not allowed",
    "unknown_library": "line 6, column 'library': value 'tiny' is not allowed",
    "small_pair": "line 7, column 'fastq_2': small-RNA libraries are single-end",
    "missing_fastq": "line 8, column 'fastq_1': FASTQ file "
    "'resources/demo/smallrna/S07_sen_met_gone.fastq.gz' does not exist",
    "duplicate": "line 11, column 'sample': duplicate sample name 'S09_sen_met' (first "
    "on line 10); sample names must be unique",
    "case_only": "line 12, column 'sample': sample name 's09_SEN_met' differs from "
    "'S09_sen_met' (line 10) only in case",
}


@pytest.fixture(scope="module")
def row_defects_output(workdir):
    name = write_sheet(workdir, row_defect_sheet(demo_sheet(workdir)), "row_defects.tsv")
    return name, run_failing(workdir, "--config", f"samples={name}")


@pytest.mark.parametrize("defect", sorted(ROW_DEFECTS))
def test_bad_sheet_row_fails_before_any_job(row_defects_output, defect):
    name, output = row_defects_output
    assert f"sample sheet {name} has" in output
    assert f"{name}, {ROW_DEFECTS[defect]}" in output, output[-4000:]


def test_sheet_without_required_column_fails_before_any_job(workdir):
    lines = ["\t".join(l.split("\t")[:1] + l.split("\t")[2:]) for l in demo_sheet(workdir)]
    name = write_sheet(workdir, lines, "missing_column.tsv")
    output = run_failing(workdir, "--config", f"samples={name}")
    assert f"{name}, line 1: required column(s) library missing from the header" in output


def test_missing_sheet_fails_before_any_job(workdir):
    output = run_failing(workdir, "--config", "samples=config/no_such_sheet.tsv")
    assert "sample sheet config/no_such_sheet.tsv does not exist; set `samples:`" in output


# Contrasts that cannot be tested on the demo sheet plus two extra columns: 'site' (one
# sample 'solo', all others 'main') and 'arm' (a copy of 'resistance').
CONTRAST_DEFECTS = {
    "unknown_variable": (
        {"variable": "response", "case": "yes", "control": "no"},
        "contrast 'unknown_variable': variable 'response' is not a column of",
    ),
    "unknown_level": (
        {"variable": "resistance", "case": "resistent", "control": "sensitive"},
        "contrast 'unknown_level': case level 'resistent' does not occur in column "
        "'resistance'",
    ),
    "one_replicate": (
        {"variable": "site", "case": "solo", "control": "main"},
        "contrast 'one_replicate': case level 'solo' has 1 small-RNA sample(s)",
    ),
    "confounded": (
        {"variable": "resistance", "case": "resistant", "control": "sensitive",
         "covariates": ["arm"]},
        "contrast 'confounded': among the long-RNA samples of config/contrast_sheet.tsv, "
        "the variable 'resistance' is confounded with the covariate(s) 'arm'",
    ),
    "unknown_covariate": (
        {"variable": "resistance", "case": "resistant", "control": "sensitive",
         "covariates": ["stage"]},
        "contrast 'unknown_covariate': covariate 'stage' is not a column of",
    ),
}


@pytest.fixture(scope="module")
def contrast_output(workdir):
    lines = demo_sheet(workdir)
    header = lines[0] + "\tsite\tarm"
    rows = [
        line + ("\tsolo" if number == 1 else "\tmain") + "\t" + line.split("\t")[5]
        for number, line in enumerate(lines[1:], start=1)
    ]
    sheet = write_sheet(workdir, [header] + rows, "contrast_sheet.tsv")
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    config["samples"] = sheet
    config["diffexp"]["contrasts"] = {
        name: dict(entry, context="drug_resistance")
        for name, (entry, _) in CONTRAST_DEFECTS.items()
    }
    (workdir / "config" / "bad_contrasts.yaml").write_text(yaml.safe_dump(config))
    return run_failing(workdir, "--configfile", "config/bad_contrasts.yaml")


@pytest.mark.parametrize("defect", sorted(CONTRAST_DEFECTS))
def test_contrast_that_cannot_be_tested_fails_before_any_job(contrast_output, defect):
    assert "contrasts cannot be tested" in contrast_output
    assert CONTRAST_DEFECTS[defect][1] in contrast_output, contrast_output[-4000:]


# Config values the schema refuses, all in one config file.
CONFIG_DEFECTS = {
    "unknown_top_key": ("(top level): unknown key(s) colour; allowed: cargo,"),
    "unknown_nested_key": (
        "trimming: unknown key(s) min_lenght; allowed: adapter, max_length, min_length"
    ),
    "wrong_type": "trimming.max_length: 'long' is not of type 'integer'",
    "wrong_enum": "trimming.protocol: 'smartseq' is not one of",
    "wrong_list": (
        "diffexp.contrasts.resistant_vs_sensitive.covariates: 'batch' is not of type "
        "'array'"
    ),
}


@pytest.fixture(scope="module")
def config_output(workdir):
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    config["colour"] = "blue"
    config["trimming"]["min_lenght"] = 17
    config["trimming"]["max_length"] = "long"
    config["trimming"]["protocol"] = "smartseq"
    config["diffexp"]["contrasts"]["resistant_vs_sensitive"]["covariates"] = "batch"
    (workdir / "config" / "bad_config.yaml").write_text(yaml.safe_dump(config))
    return run_failing(workdir, "--configfile", "config/bad_config.yaml")


@pytest.mark.parametrize("defect", sorted(CONFIG_DEFECTS))
def test_bad_config_fails_before_any_job(config_output, defect):
    assert "has 5 problem(s)" in config_output
    assert CONFIG_DEFECTS[defect] in config_output, config_output[-4000:]


def test_missing_reference_files_fail_before_any_job(workdir):
    output = run_failing(
        workdir,
        "--config",
        "cargo={'catalog': 'resources/no_such_catalog.tsv'}",
        "longrna={'gtf': 'resources/demo/longrna/no_such.gtf'}",
    )
    assert "reference file(s) named in the config do not exist" in output
    assert "cargo.catalog: resources/no_such_catalog.tsv" in output
    assert "longrna.gtf: resources/demo/longrna/no_such.gtf" in output
    assert "fix the paths in the config" in output

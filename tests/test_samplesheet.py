"""Sample sheet and contrast validation: every malformed sheet names file, line and column."""

from pathlib import Path

import pandas as pd
import pytest

from exocargo.samplesheet import (
    SampleSheetError,
    Unit,
    condition_columns,
    load_sheet,
    read_sheet,
    validate_contrasts,
    validate_sheet,
)

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "samples.schema.yaml"
HEADER = "sample\tlibrary\tfastq_1\tfastq_2\tresistance\tmetastasis\n"


def write_sheet(tmp_path, rows, header=HEADER, make_fastqs=True):
    """Write a sheet (and empty FASTQ files it names) into tmp_path."""
    for row in rows:
        for field in row.split("\t")[2:4]:
            if make_fastqs and field.endswith(".fastq.gz"):
                (tmp_path / field).write_bytes(b"")
    path = tmp_path / "samples.tsv"
    path.write_text(header + "".join(r + "\n" for r in rows))
    return path


def refusal(path, tmp_path):
    """The message with which validate_sheet refuses the sheet at ``path``."""
    with pytest.raises(SampleSheetError) as error:
        validate_sheet(path, SCHEMA, base_dir=tmp_path)
    return str(error.value)


GOOD = [
    "A1\tsmall\ta1.fastq.gz\t\tresistant\tmetastatic",
    "A2\tsmall\ta2.fastq.gz\t\tresistant\tlocalized",
    "B1\tsmall\tb1.fastq.gz\t\tsensitive\tmetastatic",
    "B2\tsmall\tb2.fastq.gz\t\tsensitive\tlocalized",
]


def test_good_sheet_is_indexed_by_sample(tmp_path):
    sheet = validate_sheet(write_sheet(tmp_path, GOOD), SCHEMA, base_dir=tmp_path)
    assert list(sheet.index) == ["A1", "A2", "B1", "B2"]
    assert sheet.loc["B2", "metastasis"] == "localized"
    assert sheet.loc["A1", "fastq_2"] == ""


def test_missing_required_column_is_named(tmp_path):
    path = write_sheet(
        tmp_path,
        [r.replace("\tsmall", "", 1) for r in GOOD],
        header="sample\tfastq_1\tfastq_2\tresistance\tmetastasis\n",
    )
    message = refusal(path, tmp_path)
    assert str(path) in message and "line 1" in message
    assert "library" in message and "missing" in message


def test_duplicate_sample_names_line_of_both(tmp_path):
    path = write_sheet(tmp_path, GOOD + ["A2\tsmall\ta2.fastq.gz\t\tsensitive\tlocalized"])
    message = refusal(path, tmp_path)
    assert f"{path}, line 6, column 'sample'" in message
    assert "duplicate sample name 'A2' (first on line 3)" in message


def test_unknown_library_type(tmp_path):
    rows = GOOD[:3] + ["B2\tmicro\tb2.fastq.gz\t\tsensitive\tlocalized"]
    path = write_sheet(tmp_path, rows)
    message = refusal(path, tmp_path)
    assert f"{path}, line 5, column 'library'" in message
    assert "'micro'" in message and "small" in message and "long" in message


def test_missing_fastq_file(tmp_path):
    path = write_sheet(tmp_path, GOOD)
    (tmp_path / "b1.fastq.gz").unlink()
    message = refusal(path, tmp_path)
    assert f"{path}, line 4, column 'fastq_1'" in message
    assert "'b1.fastq.gz' does not exist" in message


def test_unsafe_sample_name_refused(tmp_path):
    rows = GOOD[:3] + ["x;rm -rf y\tsmall\tb2.fastq.gz\t\tsensitive\tlocalized"]
    path = write_sheet(tmp_path, rows)
    with pytest.raises(SampleSheetError, match=r"line 5, column 'sample'"):
        validate_sheet(path, SCHEMA, base_dir=tmp_path)


def test_fastq_2_on_small_rna_row(tmp_path):
    rows = GOOD[:3] + ["B2\tsmall\tb2.fastq.gz\tb2_2.fastq.gz\tsensitive\tlocalized"]
    path = write_sheet(tmp_path, rows)
    with pytest.raises(SampleSheetError, match=r"line 5, column 'fastq_2': small-RNA"):
        validate_sheet(path, SCHEMA, base_dir=tmp_path)


def test_all_problems_reported_together(tmp_path):
    rows = GOOD[:2] + [
        "A1\tsmall\tb1.fastq.gz\t\tsensitive\tmetastatic",
        "B2\tsmall\tnothere.fastq.gz\t\tsensitive\tlocalized",
    ]
    path = write_sheet(tmp_path, rows, make_fastqs=False)
    for name in ("a1", "a2", "b1"):
        (tmp_path / f"{name}.fastq.gz").write_bytes(b"")
    assert "has 2 problem(s)" in refusal(path, tmp_path)


def sheet_frame(rows):
    records = [dict(zip(HEADER.strip().split("\t"), r.split("\t"))) for r in rows]
    return pd.DataFrame(records).set_index("sample", drop=False)


CONTRAST = {
    "res": {
        "variable": "resistance",
        "case": "resistant",
        "control": "sensitive",
        "covariates": ["metastasis"],
        "context": "drug_resistance",
    }
}


def test_contrast_with_two_replicates_per_level_passes():
    validate_contrasts(CONTRAST, sheet_frame(GOOD), "samples.tsv")


def test_contrast_level_missing_from_sheet():
    contrast = {"res": dict(CONTRAST["res"], case="resistent")}
    with pytest.raises(SampleSheetError) as error:
        validate_contrasts(contrast, sheet_frame(GOOD), "samples.tsv")
    assert "case level 'resistent' does not occur in column 'resistance'" in str(error.value)
    assert "levels: resistant, sensitive" in str(error.value)


def test_contrast_with_one_replicate_is_refused():
    sheet = sheet_frame(GOOD[:3])
    with pytest.raises(SampleSheetError) as error:
        validate_contrasts(CONTRAST, sheet, "samples.tsv")
    assert "control level 'sensitive' has 1 small-RNA sample(s)" in str(error.value)
    assert "at least 2 replicates" in str(error.value)


def test_contrast_unknown_variable_and_covariate():
    contrast = {"res": dict(CONTRAST["res"], variable="response", covariates=["stage"])}
    with pytest.raises(SampleSheetError, match="variable 'response' is not a column"):
        validate_contrasts(contrast, sheet_frame(GOOD), "samples.tsv")
    contrast = {"res": dict(CONTRAST["res"], covariates=["stage"])}
    with pytest.raises(SampleSheetError, match="covariate 'stage' is not a column"):
        validate_contrasts(contrast, sheet_frame(GOOD), "samples.tsv")


@pytest.mark.parametrize("name", ["..", ".", ".hidden", "-rf", "../x", "a b", "x;y", "é1"])
def test_sample_names_that_are_not_plain_file_names_are_refused(tmp_path, name):
    rows = GOOD[:3] + [f"{name}\tsmall\tb2.fastq.gz\t\tsensitive\tlocalized"]
    path = write_sheet(tmp_path, rows)
    message = refusal(path, tmp_path)
    assert f"{path}, line 5, column 'sample': value '{name}' is not allowed" in message
    assert "starting with a letter or digit" in message


def test_names_differing_only_in_case_are_refused(tmp_path):
    rows = GOOD[:3] + ["a1\tsmall\tb2.fastq.gz\t\tsensitive\tlocalized"]
    path = write_sheet(tmp_path, rows)
    message = refusal(path, tmp_path)
    assert (
        f"{path}, line 5, column 'sample': sample name 'a1' differs from 'A1' (line 2) "
        "only in case" in message
    )


# Six samples: batch follows metastasis exactly, 'arm' follows resistance exactly.
DESIGN_HEADER = "sample\tlibrary\tfastq_1\tfastq_2\tresistance\tmetastasis\tbatch\tarm\n"
DESIGN_ROWS = [
    "A1\tsmall\ta1.fastq.gz\t\tresistant\tmetastatic\tB1\tx",
    "A2\tsmall\ta2.fastq.gz\t\tresistant\tlocalized\tB2\tx",
    "A3\tsmall\ta3.fastq.gz\t\tresistant\tmetastatic\tB1\tx",
    "B1\tsmall\tb1.fastq.gz\t\tsensitive\tmetastatic\tB1\ty",
    "B2\tsmall\tb2.fastq.gz\t\tsensitive\tlocalized\tB2\ty",
    "B3\tsmall\tb3.fastq.gz\t\tsensitive\tlocalized\tB2\ty",
]


def design_sheet(rows):
    names = DESIGN_HEADER.strip().split("\t")
    return pd.DataFrame([dict(zip(names, r.split("\t"))) for r in rows]).set_index(
        "sample", drop=False
    )


# Four samples, one per cell; batch B1/B2 crosses both factors.
SATURATED_ROWS = [
    "A1\tsmall\ta1.fastq.gz\t\tresistant\tmetastatic\tB1\tx",
    "A2\tsmall\ta2.fastq.gz\t\tresistant\tlocalized\tB2\tx",
    "B1\tsmall\tb1.fastq.gz\t\tsensitive\tmetastatic\tB2\ty",
    "B2\tsmall\tb2.fastq.gz\t\tsensitive\tlocalized\tB1\ty",
]


@pytest.mark.parametrize(
    "covariates, rows, expected",
    [
        (
            ["metastasis", "batch"],
            DESIGN_ROWS,
            "the covariate 'batch' is confounded with 'metastasis' (the design matrix is "
            "not full rank)",
        ),
        (
            ["arm"],
            DESIGN_ROWS,
            "the variable 'resistance' is confounded with the covariate(s) 'arm'",
        ),
        (
            ["metastasis", "batch"],
            SATURATED_ROWS,
            "the design (~ metastasis + batch + resistance) has 4 coefficients for 4 "
            "samples, leaving no residual degree of freedom",
        ),
    ],
)
def test_design_that_cannot_be_fitted_is_refused(covariates, rows, expected):
    contrast = {"res": dict(CONTRAST["res"], covariates=covariates)}
    with pytest.raises(SampleSheetError) as error:
        validate_contrasts(contrast, design_sheet(rows), "samples.tsv")
    where = "contrast 'res': among the small-RNA samples of samples.tsv, "
    assert where + expected in str(error.value)


def test_design_with_one_residual_degree_of_freedom_passes():
    contrast = {"res": dict(CONTRAST["res"], covariates=["metastasis"])}
    validate_contrasts(contrast, design_sheet(SATURATED_ROWS), "samples.tsv")


# --- several units (lanes, runs) per sample --------------------------------------------

UNIT_HEADER = "sample\tunit\tlibrary\tfastq_1\tfastq_2\tresistance\tmetastasis\n"
UNITS = [
    "A1\tL001\tsmall\ta1_L001.fastq.gz\t\tresistant\tmetastatic",
    "A1\tL002\tsmall\ta1_L002.fastq.gz\t\tresistant\tmetastatic",
    "B1\t\tsmall\tb1.fastq.gz\t\tsensitive\tmetastatic",
    "P1\tL001\tlong\tp1_L001_R1.fastq.gz\tp1_L001_R2.fastq.gz\tsensitive\tlocalized",
    "P1\tL002\tlong\tp1_L002_R1.fastq.gz\tp1_L002_R2.fastq.gz\tsensitive\tlocalized",
]


def write_unit_sheet(tmp_path, rows):
    """A sheet with a unit column (and the empty FASTQ files it names)."""
    for row in rows:
        for field in row.split("\t")[3:5]:
            if field:
                (tmp_path / field).write_bytes(b"")
    path = tmp_path / "samples.tsv"
    path.write_text(UNIT_HEADER + "".join(r + "\n" for r in rows))
    return path


def test_units_of_a_sample_fold_into_one_row(tmp_path):
    checked = load_sheet(write_unit_sheet(tmp_path, UNITS), SCHEMA, base_dir=tmp_path)
    samples = checked.samples
    assert list(samples.index) == ["A1", "B1", "P1"]
    assert samples.loc["A1", "resistance"] == "resistant"
    assert samples.loc["A1", "fastq_1"] == "a1_L001.fastq.gz; a1_L002.fastq.gz"
    assert samples.loc["A1", "fastq_2"] == "" and samples.loc["P1", "fastq_2"] != ""
    assert checked.units["A1"] == (
        Unit("L001", "a1_L001.fastq.gz"),
        Unit("L002", "a1_L002.fastq.gz"),
    )
    assert checked.units["B1"] == (Unit("", "b1.fastq.gz"),)
    assert checked.units["P1"][1].fastqs == ("p1_L002_R1.fastq.gz", "p1_L002_R2.fastq.gz")
    # the unit column is not a condition a contrast could test
    assert condition_columns(samples) == ["resistance", "metastasis"]
    # scripts that read the sheet file see the same one row per sample
    assert read_sheet(tmp_path / "samples.tsv").equals(samples.reset_index(drop=True))


# A defect of the unit sheet UNITS: (row number, text replaced, replacement), and the
# message that must name it ("{path}" stands for the sheet's path).
UNIT_DEFECTS = {
    "condition differs": (
        (1, "resistant", "sensitive"),
        "{path}, line 3, column 'resistance': sample 'A1' has 'sensitive' here but "
        "'resistant' on line 2; the rows (units) of a sample must agree on every column "
        "but unit, fastq_1 and fastq_2",
    ),
    "library differs": (
        (4, "\tlong\t", "\tsmall\t"),
        "line 6, column 'library': sample 'P1' has 'small' here but 'long'",
    ),
    "duplicate unit": (
        (1, "L002", "L001"),
        "{path}, line 3, column 'unit': duplicate unit 'L001' of sample 'A1' (first on "
        "line 2); unit names must be unique within a sample",
    ),
    "unnamed unit": (
        (1, "L002", ""),
        "line 3, column 'unit': sample 'A1' has 2 rows (lines 2, 3); each needs a ",
    ),
    "fastq_2 on some units": (
        (4, "p1_L002_R2.fastq.gz", ""),
        "{path}, column 'fastq_2': sample 'P1' has a fastq_2 on line(s) 5 but not on "
        "line(s) 6; the units of a sample must be all paired-end or all single-end",
    ),
    "one file in two units": (
        (1, "a1_L002", "a1_L001"),
        "line 3, column 'fastq_1': FASTQ file 'a1_L001.fastq.gz' is also the fastq_1 of "
        "sample 'A1' on line 2; its reads would be counted twice",
    ),
}


@pytest.mark.parametrize("defect", sorted(UNIT_DEFECTS))
def test_unit_sheet_defects_are_refused_naming_the_line(tmp_path, defect):
    (row, old, new), expected = UNIT_DEFECTS[defect]
    rows = list(UNITS)
    rows[row] = rows[row].replace(old, new)
    path = write_unit_sheet(tmp_path, rows)
    assert expected.format(path=path) in refusal(path, tmp_path)


def test_without_a_unit_column_a_repeated_sample_is_still_a_duplicate(tmp_path):
    rows = GOOD + ["A2\tsmall\ta2_L002.fastq.gz\t\tresistant\tlocalized"]
    path = write_sheet(tmp_path, rows)
    message = refusal(path, tmp_path)
    assert f"{path}, line 6, column 'sample'" in message
    assert "duplicate sample name 'A2' (first on line 3); sample names must be unique" in message
    assert "has 1 problem(s)" in message


def test_unit_names_are_checked_like_sample_names(tmp_path):
    rows = list(UNITS)
    rows[1] = rows[1].replace("L002", "lane 2")
    message = refusal(write_unit_sheet(tmp_path, rows), tmp_path)
    assert "line 3, column 'unit': value 'lane 2' is not allowed" in message


def test_units_keep_the_case_check_between_samples(tmp_path):
    rows = UNITS + ["a1\tL001\tsmall\tx.fastq.gz\t\tresistant\tmetastatic"]
    message = refusal(write_unit_sheet(tmp_path, rows), tmp_path)
    assert "sample name 'a1' differs from 'A1' (line 2) only in case" in message

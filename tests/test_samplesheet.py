"""Sample sheet and contrast validation: every malformed sheet names file, line and column."""

from pathlib import Path

import pandas as pd
import pytest

from exocargo.samplesheet import SampleSheetError, validate_contrasts, validate_sheet

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

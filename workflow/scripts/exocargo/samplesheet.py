"""Sample sheet and contrast validation.

Everything here runs at parse time, through ``exocargo.plan.load``, before any job is
scheduled, so a bad sheet or config stops the run with a message that names the file, the
row and the column and says what to change. The JSON schema in
``workflow/schemas/samples.schema.yaml`` describes the columns; the checks that a per-row
schema cannot express (duplicates, units, files on disk, replicates per contrast level)
live here.

A library sequenced on several lanes or runs has one row per unit when the sheet has a
``unit`` column (as in snakemake-workflows/rna-seq-star-deseq2): the rows share the sample
name and every column but ``unit``, ``fastq_1`` and ``fastq_2``. The workflow sees one row
per sample (``load_sheet(...).samples``, ``read_sheet``) and the read files of each unit
(``load_sheet(...).units``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import jsonschema
import numpy as np
import pandas as pd

from exocargo.io import read_yaml
from exocargo.schema import describe
from exocargo.schema import problems as schema_problems

REQUIRED_COLUMNS = ("sample", "library", "fastq_1")
LIBRARY_TYPES = ("small", "long")
# Names end up in paths and shell commands; only characters that are safe in both.
SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
RESERVED_COLUMNS = ("sample", "library", "fastq_1", "fastq_2", "strandedness", "unit")
# Columns that differ between the rows (units) of one sample; all others must agree.
UNIT_COLUMNS = ("unit", "fastq_1", "fastq_2")
# Joins the units' values in the one-row-per-sample sheet; no FASTQ path or unit name
# can hold it (SAFE_PATH, the schema's patterns).
UNIT_SEPARATOR = "; "


class SampleSheetError(ValueError):
    """A sample sheet or contrast definition that cannot be run; the message says why."""


@dataclass(frozen=True)
class Unit:
    """One lane or run of a sample: its name ('' without a unit column) and read files."""

    name: str
    fastq_1: str
    fastq_2: str = ""

    @property
    def fastqs(self) -> tuple[str, ...]:
        """The unit's read files in mate order: (fastq_1,) or (fastq_1, fastq_2)."""
        return (self.fastq_1, self.fastq_2) if self.fastq_2 else (self.fastq_1,)


@dataclass(frozen=True)
class SampleSheet:
    """A checked sheet: one row per sample (indexed by sample) and each sample's units."""

    samples: pd.DataFrame
    units: Mapping[str, tuple[Unit, ...]]  # sample -> its units, in sheet order


@dataclass(frozen=True)
class SheetProblem:
    """One problem found in a sheet, located by 1-based line number and column."""

    line: int | None
    column: str | None
    message: str

    def render(self, path: str) -> str:
        """Format the problem as ``path, line N, column C: message``."""
        where = [str(path)]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return ", ".join(where) + ": " + self.message


def _raise(path: str, problems: list[SheetProblem]) -> None:
    if problems:
        text = "\n".join("  - " + p.render(path) for p in problems)
        raise SampleSheetError(
            f"sample sheet {path} has {len(problems)} problem(s):\n{text}"
        )


def read_sheet(path: str | Path) -> pd.DataFrame:
    """Read a tab-separated sample sheet as strings, empty cells as '', one row per sample.

    The rows of a sample's units (a sheet with a ``unit`` column) become one row, the first
    unit's, whose ``unit``, ``fastq_1`` and ``fastq_2`` cells list the units' values joined
    by UNIT_SEPARATOR; a sheet without several units per sample is returned as written.
    Meant for sheets that ``validate_sheet`` has accepted. Raises SampleSheetError when the
    file is missing, empty or not tab-separated.
    """
    return one_row_per_sample(read_rows(path))


def read_rows(path: str | Path) -> pd.DataFrame:
    """Read a tab-separated sample sheet as strings, empty cells as '', row for row.

    Raises SampleSheetError when the file is missing, empty or not tab-separated.
    """
    path = Path(path)
    if not path.is_file():
        raise SampleSheetError(
            f"sample sheet {path} does not exist; set `samples:` in the config to a "
            "tab-separated file (see config/README.md)"
        )
    with open(path, newline="") as handle:
        rows = [
            row
            for row in csv.reader(handle, delimiter="\t")
            if row and not row[0].startswith("#")
        ]
    if not rows:
        raise SampleSheetError(f"sample sheet {path} is empty; it needs a header row")
    header = [h.strip() for h in rows[0]]
    if len(header) == 1 and ("," in header[0] or " " in header[0]):
        raise SampleSheetError(
            f"sample sheet {path}, line 1: the header has a single column "
            f"'{header[0]}'; the sheet must be tab-separated"
        )
    return pd.read_csv(
        path,
        sep="\t",
        dtype=str,
        keep_default_na=False,
        comment="#",
        skip_blank_lines=True,
    ).rename(columns=str.strip)


def _line_numbers(path: Path) -> list[int]:
    """1-based file line of every data row, skipping comments and blank lines."""
    numbers = []
    with open(path) as handle:
        header_seen = False
        for lineno, line in enumerate(handle, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            if not header_seen:
                header_seen = True
                continue
            numbers.append(lineno)
    return numbers


def validate_sheet(
    path: str | Path,
    schema_path: str | Path,
    base_dir: str | Path = ".",
    check_files: bool = True,
) -> pd.DataFrame:
    """Load and check a sample sheet; return it indexed by sample name, one row per sample
    (see ``load_sheet``, which also returns each sample's units)."""
    return load_sheet(path, schema_path, base_dir, check_files).samples


def load_sheet(
    path: str | Path,
    schema_path: str | Path,
    base_dir: str | Path = ".",
    check_files: bool = True,
) -> SampleSheet:
    """Load and check a sample sheet; return its samples and their units.

    Checks the required columns, every row against the JSON schema, unique and safe sample
    names, library types, fastq_2 only on long rows, and (if ``check_files``) that every
    FASTQ exists relative to ``base_dir``. With a ``unit`` column a sample may have several
    rows: they must agree on every column but unit, fastq_1 and fastq_2, have distinct unit
    names and all or none a fastq_2. All problems are collected and reported together.
    """
    path = Path(path)
    rows = read_rows(path)
    _raise(str(path), _missing_columns(rows))
    problems = _column_name_problems(rows)
    schema = read_yaml(schema_path)
    validator = jsonschema.Draft202012Validator(schema)
    has_units = "unit" in rows.columns
    names = _NameRegister(repeats_allowed=has_units)
    lines = _line_numbers(path)
    for (_, row), line in zip(rows.iterrows(), lines):
        problems += _schema_problems(row, line, schema, validator)
        problems += names.check(row["sample"], line)
        problems += _layout_problems(row, line)
        if check_files:
            problems += _missing_fastqs(row, line, Path(base_dir))
    if has_units:
        problems += _unit_problems(rows, lines)
    _raise(str(path), problems)
    return SampleSheet(
        samples=one_row_per_sample(rows).set_index("sample", drop=False),
        units=MappingProxyType(_units(rows)),
    )


def _missing_columns(sheet: pd.DataFrame) -> list[SheetProblem]:
    missing = [c for c in REQUIRED_COLUMNS if c not in sheet.columns]
    if not missing:
        return []
    return [
        SheetProblem(
            1,
            None,
            f"required column(s) {', '.join(missing)} missing from the header "
            f"(found: {', '.join(sheet.columns)}); add them",
        )
    ]


def _column_name_problems(sheet: pd.DataFrame) -> list[SheetProblem]:
    return [
        SheetProblem(1, column, "column names may only use letters, digits, '.', '_', '-'")
        for column in sheet.columns
        if column not in RESERVED_COLUMNS and not SAFE_NAME.match(column)
    ]


def _schema_problems(row: pd.Series, line: int, schema, validator) -> list[SheetProblem]:
    """A row against the sheet's JSON schema (empty optional cells left out)."""
    record = {k: v for k, v in row.items() if v != "" or k in REQUIRED_COLUMNS}
    found = []
    for problem in schema_problems(record, schema, validator):
        column = problem.column
        hint = describe(schema, (column,)) if column else ""
        value = row.get(column, "") if column else ""
        found.append(
            SheetProblem(
                line,
                column,
                f"value '{value}' is not allowed ({problem.message}). {hint}".strip(),
            )
        )
    return found


class _NameRegister:
    """Sample names seen so far: duplicates (unless the sheet has units, whose rows repeat
    their sample's name), and names that differ only in case."""

    def __init__(self, repeats_allowed: bool = False) -> None:
        self.repeats_allowed = repeats_allowed
        self.seen: dict[str, int] = {}
        self.folded: dict[str, tuple[str, int]] = {}

    def check(self, name: str, line: int) -> list[SheetProblem]:
        if name in self.seen:
            if self.repeats_allowed:
                return []
            return [
                SheetProblem(
                    line,
                    "sample",
                    f"duplicate sample name '{name}' (first on line {self.seen[name]}); "
                    "sample names must be unique",
                )
            ]
        self.seen[name] = line
        other, other_line = self.folded.setdefault(name.casefold(), (name, line))
        if other == name:
            return []
        return [
            SheetProblem(
                line,
                "sample",
                f"sample name '{name}' differs from '{other}' (line {other_line}) "
                "only in case; their files would collide on case-insensitive file "
                "systems (macOS, Windows): rename one",
            )
        ]


def _layout_problems(row: pd.Series, line: int) -> list[SheetProblem]:
    if row["library"] == "small" and row.get("fastq_2", ""):
        return [
            SheetProblem(
                line,
                "fastq_2",
                "small-RNA libraries are single-end; leave fastq_2 empty or set "
                "library to 'long'",
            )
        ]
    return []


def _missing_fastqs(row: pd.Series, line: int, base_dir: Path) -> list[SheetProblem]:
    found = []
    for column in ("fastq_1", "fastq_2"):
        value = row.get(column, "")
        if value and SAFE_PATH.match(value) and not (base_dir / value).is_file():
            found.append(
                SheetProblem(
                    line,
                    column,
                    f"FASTQ file '{value}' does not exist (paths are "
                    f"relative to {base_dir.resolve()})",
                )
            )
    return found


# FASTQ paths reach shell commands; refuse quoting tricks and control characters.
SAFE_PATH = re.compile(r"^[A-Za-z0-9._/+=@,-]+$")


# The file line of a row, kept beside its cells: no column name holds a tab.
LINE = "\tline"


def _unit_problems(rows: pd.DataFrame, lines: list[int]) -> list[SheetProblem]:
    """The rows of each sample with several units: unit names present and distinct, the
    same value in every column but the units' own, no file twice, all or none paired."""
    found = []
    for sample, group in rows.assign(**{LINE: lines}).groupby("sample", sort=False):
        if len(group) > 1:
            records = group.to_dict(orient="records")
            found += _unit_name_problems(sample, records)
            found += _disagreements(sample, records)
            found += _repeated_files(sample, records)
            found += _mixed_layout(sample, records)
    return found


def _unit_name_problems(sample: str, records: list[dict]) -> list[SheetProblem]:
    lines = ", ".join(str(record[LINE]) for record in records)
    found, first_line = [], {}
    for record in records:
        unit, line = record["unit"], record[LINE]
        if not unit:
            message = (
                f"sample '{sample}' has {len(records)} rows (lines {lines}); each needs a "
                "unit name (lane or run) that tells it apart"
            )
        elif unit in first_line:
            message = (
                f"duplicate unit '{unit}' of sample '{sample}' (first on line "
                f"{first_line[unit]}); unit names must be unique within a sample"
            )
        else:
            first_line[unit] = line
            continue
        found.append(SheetProblem(line, "unit", message))
    return found


def _disagreements(sample: str, records: list[dict]) -> list[SheetProblem]:
    """Cells of a sample's later rows that differ from its first row (outside the units'
    own columns): a library has one type, strandedness and condition."""
    first, found = records[0], []
    for record in records[1:]:
        for column, value in record.items():
            if column in UNIT_COLUMNS + (LINE,) or value == first[column]:
                continue
            message = (
                f"sample '{sample}' has '{value}' here but '{first[column]}' on line "
                f"{first[LINE]}; the rows (units) of a sample must agree on every "
                "column but unit, fastq_1 and fastq_2"
            )
            found.append(SheetProblem(record[LINE], column, message))
    return found


def _repeated_files(sample: str, records: list[dict]) -> list[SheetProblem]:
    seen: dict[str, tuple[str, int]] = {}
    found = []
    for record in records:
        for column in ("fastq_1", "fastq_2"):
            value = record.get(column, "")
            if not value:
                continue
            if value in seen:
                other, line = seen[value]
                message = (
                    f"FASTQ file '{value}' is also the {other} of sample '{sample}' on "
                    f"line {line}; its reads would be counted twice"
                )
                found.append(SheetProblem(record[LINE], column, message))
            seen.setdefault(value, (column, record[LINE]))
    return found


def _mixed_layout(sample: str, records: list[dict]) -> list[SheetProblem]:
    paired = [str(r[LINE]) for r in records if r.get("fastq_2", "")]
    single = [str(r[LINE]) for r in records if not r.get("fastq_2", "")]
    if not paired or not single:
        return []
    message = (
        f"sample '{sample}' has a fastq_2 on line(s) {', '.join(paired)} but not on "
        f"line(s) {', '.join(single)}; the units of a sample must be all paired-end or "
        "all single-end"
    )
    return [SheetProblem(None, "fastq_2", message)]


def _units(rows: pd.DataFrame) -> dict[str, tuple[Unit, ...]]:
    """Each sample's units in sheet order, from a checked sheet's rows."""
    units: dict[str, list[Unit]] = {}
    for _, row in rows.iterrows():
        units.setdefault(row["sample"], []).append(
            Unit(row.get("unit", ""), row["fastq_1"], row.get("fastq_2", ""))
        )
    return {sample: tuple(found) for sample, found in units.items()}


def one_row_per_sample(rows: pd.DataFrame) -> pd.DataFrame:
    """A checked sheet's rows with each sample's units folded into its first row: the
    unit, fastq_1 and fastq_2 cells list the units' non-empty values joined by
    UNIT_SEPARATOR (so fastq_2 stays empty for single-end samples)."""
    if "unit" not in rows.columns or not rows["sample"].duplicated().any():
        return rows
    folded = rows.drop_duplicates("sample").reset_index(drop=True)
    by_sample = rows.groupby("sample", sort=False)
    for column in (c for c in UNIT_COLUMNS if c in rows.columns):
        values = by_sample[column].agg(_join_units)
        folded[column] = folded["sample"].map(values)
    return folded


def _join_units(cells: pd.Series) -> str:
    return UNIT_SEPARATOR.join(cell for cell in cells if cell)


def condition_columns(sheet: pd.DataFrame) -> list[str]:
    """Free columns of the sheet that describe the samples (not reads or library)."""
    return [c for c in sheet.columns if c not in RESERVED_COLUMNS]


def validate_contrasts(
    contrasts: Mapping[str, Mapping],
    sheet: pd.DataFrame,
    sheet_path: str,
    config_path: str = "config",
    library_by_class: Mapping[str, str] | None = None,
    min_replicates: int = 2,
) -> None:
    """Check that each contrast's variable, levels and covariates exist in the sheet.

    Every level compared must have at least ``min_replicates`` samples among the libraries
    the contrast is tested on; covariates must vary inside the tested samples' design
    without being confounded with the variable. Raises SampleSheetError naming the contrast.
    """
    problems = []
    for name, contrast in contrasts.items():
        found = _contrast_problems(contrast, sheet, sheet_path, min_replicates)
        problems += [f"{config_path}: contrast '{name}': {problem}" for problem in found]
    problems = list(dict.fromkeys(problems))
    if problems:
        raise SampleSheetError(
            "contrasts cannot be tested:\n" + "\n".join("  - " + p for p in problems)
        )


def _contrast_problems(
    contrast: Mapping, sheet: pd.DataFrame, sheet_path: str, min_replicates: int
) -> list[str]:
    """Why one contrast cannot be tested, in the order a user should fix it: columns, then
    levels and replicates, then (only when all those hold) the design's rank."""
    variable = contrast["variable"]
    if variable not in sheet.columns:
        columns = condition_columns(sheet)
        return [
            f"variable '{variable}' is not a column of {sheet_path} "
            f"(condition columns: {', '.join(columns) or 'none'})"
        ]
    found = []
    for covariate in contrast.get("covariates", []):
        if covariate not in sheet.columns:
            found.append(f"covariate '{covariate}' is not a column of {sheet_path}")
        elif covariate == variable:
            found.append(f"covariate '{covariate}' is the contrast variable itself")
    for library in sorted(set(sheet["library"])):
        subset = sheet[sheet["library"] == library]
        found += _level_problems(contrast, subset, sheet, sheet_path, library, min_replicates)
    if contrast["case"] == contrast["control"]:
        found.append("case and control are the same level")
    if found:
        return found
    return [
        f"among the {library}-RNA samples of {sheet_path}, {problem}"
        for library in sorted(set(sheet["library"]))
        if (problem := design_problem(sheet[sheet["library"] == library], contrast))
    ]


def _level_problems(
    contrast: Mapping,
    subset: pd.DataFrame,
    sheet: pd.DataFrame,
    sheet_path: str,
    library: str,
    min_replicates: int,
) -> list[str]:
    """Levels missing or with too few replicates, and empty covariates, in one library type."""
    variable = contrast["variable"]
    found = []
    for role in ("case", "control"):
        level = contrast[role]
        n = int((subset[variable] == level).sum())
        if n == 0 and level not in set(sheet[variable]):
            found.append(
                f"{role} level '{level}' does not occur in column '{variable}' of "
                f"{sheet_path} (levels: {', '.join(sorted(set(sheet[variable]) - {''}))})"
            )
        elif n < min_replicates:
            found.append(
                f"{role} level '{level}' has {n} {library}-RNA sample(s) in {sheet_path}; "
                f"differential expression needs at least {min_replicates} replicates per level"
            )
    for covariate in contrast.get("covariates", []):
        if covariate in subset.columns and (subset[covariate] == "").any():
            empty = ", ".join(subset.index[subset[covariate] == ""])
            found.append(
                f"covariate '{covariate}' is empty for sample(s) {empty} in {sheet_path}"
            )
    return found


def design_problem(samples: pd.DataFrame, contrast: Mapping) -> str | None:
    """Why ``~ covariates + variable`` cannot be fitted on these samples, or None.

    Mirrors exocargo.diffexp: only samples in the contrast's two levels are tested and a
    covariate constant among them is left out. The design must be full rank (no covariate
    confounded with the variable or with another covariate) and leave at least one
    residual degree of freedom, without which DESeq2 cannot estimate dispersions.
    """
    variable = contrast["variable"]
    tested = samples[samples[variable].isin([contrast["case"], contrast["control"]])]
    covariates = [c for c in contrast.get("covariates", []) if tested[c].nunique() > 1]
    design = [np.ones(len(tested))]
    for term in covariates + [variable]:
        levels = sorted(set(tested[term]))
        block = [(tested[term] == level).to_numpy(dtype=float) for level in levels[1:]]
        if np.linalg.matrix_rank(np.column_stack(design + block)) < len(design + block):
            if term == variable:
                return (
                    f"the variable '{variable}' is confounded with the covariate(s) "
                    f"{', '.join(repr(c) for c in covariates)} (the design matrix is not "
                    "full rank): the difference between the levels cannot be told apart "
                    "from theirs; drop the covariate or add samples that separate them"
                )
            earlier = ", ".join(repr(c) for c in covariates[: covariates.index(term)])
            return (
                f"the covariate '{term}' is confounded with {earlier} (the design matrix "
                "is not full rank); drop one of them from the covariates"
            )
        design += block
    if len(design) >= len(tested):
        return (
            f"the design (~ {' + '.join(covariates + [variable])}) has {len(design)} "
            f"coefficients for {len(tested)} samples, leaving no residual degree of "
            "freedom to estimate dispersions; drop covariates or add replicates"
        )
    return None


def samples_of(sheet: pd.DataFrame, library: str) -> list[str]:
    """Sample names of one library type, in sheet order."""
    return list(sheet.index[sheet["library"] == library])


def is_paired(sheet: pd.DataFrame, sample: str) -> bool:
    """Whether a sample has a second read file."""
    return "fastq_2" in sheet.columns and bool(sheet.loc[sample, "fastq_2"])


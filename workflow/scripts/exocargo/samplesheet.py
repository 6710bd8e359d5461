"""Sample sheet and contrast validation.

Everything here runs at parse time, through ``exocargo.plan.load``, before any job is
scheduled, so a bad sheet or config stops the run with a message that names the file, the
row and the column and says what to change. The JSON schema in
``workflow/schemas/samples.schema.yaml`` describes the columns; the checks that a per-row
schema cannot express (duplicates, files on disk, replicates per contrast level) live here.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
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
RESERVED_COLUMNS = ("sample", "library", "fastq_1", "fastq_2", "strandedness")


class SampleSheetError(ValueError):
    """A sample sheet or contrast definition that cannot be run; the message says why."""


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
    """Read a tab-separated sample sheet as strings, empty cells as ''.

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
    """Load and check a sample sheet; return it indexed by sample name.

    Checks the required columns, every row against the JSON schema, unique and safe sample
    names, library types, fastq_2 only on long rows, and (if ``check_files``) that every
    FASTQ exists relative to ``base_dir``. All problems are collected and reported together.
    """
    path = Path(path)
    sheet = read_sheet(path)
    _raise(str(path), _missing_columns(sheet))
    problems = _column_name_problems(sheet)
    schema = read_yaml(schema_path)
    validator = jsonschema.Draft202012Validator(schema)
    names = _NameRegister()
    for (_, row), line in zip(sheet.iterrows(), _line_numbers(path)):
        problems += _schema_problems(row, line, schema, validator)
        problems += names.check(row["sample"], line)
        problems += _layout_problems(row, line)
        if check_files:
            problems += _missing_fastqs(row, line, Path(base_dir))
    _raise(str(path), problems)
    return sheet.set_index("sample", drop=False)


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
    """Sample names seen so far: duplicates, and names that differ only in case."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.folded: dict[str, tuple[str, int]] = {}

    def check(self, name: str, line: int) -> list[SheetProblem]:
        if name in self.seen:
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


"""Review-derived cargo catalog: loading, feature matching, concordance and annotation.

The catalog (resources/cargo_catalog.tsv) holds one row per claim that one of the two seed
reviews makes about an exosomal cargo molecule. This module

* loads and validates it against workflow/schemas/cargo_catalog.schema.yaml
  (:func:`load_catalog`),
* maps pipeline feature ids (miRBase mature names, gene ids with HGNC symbols, circRNA ids) to
  catalog rows, saying how each match was made (:func:`match_feature`),
* compares a differential-expression result with a claim (:func:`concordance`) and annotates a
  whole DE table (:func:`annotate`),
* renders a text summary (:func:`summarise`).

Name matching is written by hand: no maintained library parses miRBase names into
family/letter/locus/arm parts or reconciles circBase spellings, and the rules must be exact
about prefixes (miR-21 is not miR-210).
"""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple

import jsonschema
import pandas as pd

from exocargo.io import read_yaml

SCHEMA_PATH = (
    Path(__file__).resolve().parents[2] / "schemas" / "cargo_catalog.schema.yaml"
)

PIPELINE_CLASSES = ("mirna", "lncrna", "mrna", "circrna")
CONTRAST_CONTEXTS = ("drug_resistance", "metastasis")

# Match types from most to least specific; a (feature, claim) pair reports the most specific
# way it matched, and a match needing several relaxations reports the broadest of them.
MATCH_TYPES = ("exact", "alias", "arm-agnostic", "paralog", "family")
_RANK = {name: rank for rank, name in enumerate(MATCH_TYPES)}

# Immune and biomarker claims fit a contrast through their subcategory: therapy-response
# subcategories inform a resistance contrast; immune evasion and metastasis markers inform a
# metastasis contrast (the metastasis review treats immune evasion as a step of metastasis).
# Diagnosis, prognosis, microenvironment and exosome-therapy claims fit neither.
_FITS = {
    "drug_resistance": {
        "drug_resistance": None,
        "immune": {"immunotherapy"},
        "biomarker": {"chemotherapy", "tamoxifen", "trastuzumab", "immunotherapy"},
    },
    "metastasis": {
        "metastasis": None,
        "immune": {"immune_evasion"},
        "biomarker": {"metastasis_detection"},
    },
}

ANNOTATION_COLUMNS = [
    "rna_class",
    "feature_id",
    "gene_name",
    "baseMean",
    "log2FoldChange",
    "log2FoldChange_shrunk",
    "pvalue",
    "padj",
    "significant",
    "observed_direction",
    "in_catalog",
    "claim_id",
    "match_type",
    "match_note",
    "catalog_cargo",
    "catalog_id",
    "catalog_rna_class",
    "catalog_role",
    "catalog_context",
    "catalog_subcategory",
    "catalog_organ",
    "catalog_direction",
    "catalog_direction_basis",
    "catalog_comparison",
    "catalog_effect",
    "catalog_evidence",
    "drug",
    "direction_agrees",
    "context_fits",
    "review",
    "reference",
    "quote",
    "catalog_notes",
]

_DE_COLUMNS = ("feature_id", "gene_name", "baseMean", "log2FoldChange", "padj")


class CatalogError(ValueError):
    """The catalog file is missing, malformed or violates its schema."""


@dataclass(frozen=True)
class CatalogMatch:
    """One catalog claim matched by a feature.

    match_type is one of MATCH_TYPES; note explains relaxations (arm, letter, locus, alias,
    species, merged-feature component) in words.
    """

    claim_id: str
    match_type: str
    note: str


# --------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------


def load_schema(schema_path: str | Path | None = None) -> dict:
    """Return the catalog row schema (a dict) from YAML; default workflow/schemas/cargo_catalog.schema.yaml."""
    path = Path(schema_path) if schema_path is not None else SCHEMA_PATH
    return read_yaml(path)


def _error_hint(error: jsonschema.ValidationError) -> str:
    """Say what to change, in the words a curator needs."""
    if error.validator == "enum":
        return "change it to one of: " + ", ".join(map(str, error.validator_value))
    if error.validator == "const":
        return f"change it to '{error.validator_value}'"
    if error.validator == "pattern":
        return f"change it to match the pattern {error.validator_value}"
    if error.validator == "minLength":
        return "fill it in (it must not be empty here)"
    if error.validator == "maxLength" and error.validator_value == 0:
        return "leave it empty for this id_type"
    if error.validator == "maxLength":
        return f"shorten it to at most {error.validator_value} characters"
    return "see workflow/schemas/cargo_catalog.schema.yaml"


def _check_field_counts(path: Path) -> None:
    """Every line must have as many tab-separated fields as the header.

    pandas pads a short row with empty strings, which would turn a lost tab into a silently
    emptied column (or a shifted one), so the raw lines are counted first.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise CatalogError(
            f"{path}: is not UTF-8 text ({exc}); save it as UTF-8."
        ) from exc
    if not lines:
        raise CatalogError(f"{path}: is empty; it needs a header row and data rows.")
    expected = lines[0].count("\t") + 1
    for number, line in enumerate(lines[1:], start=1):
        if not line.strip():
            # pandas would skip it and shift every later row number in our messages.
            raise CatalogError(f"{path}: line {number + 1} is blank; remove it.")
        found = line.count("\t") + 1
        if found != expected:
            raise CatalogError(
                f"{path}: data row {number} (line {number + 1}) has {found} tab-separated fields where "
                f"the header has {expected}; fix the tabs in this row."
            )


def load_catalog(
    path: str | Path, schema_path: str | Path | None = None
) -> pd.DataFrame:
    """Read and validate the cargo catalog TSV; return it as a DataFrame of strings.

    Every row is validated against the schema; claim_id must be unique and no cell may carry
    leading or trailing whitespace. Any problem raises CatalogError naming the file, the 1-based
    data row with its line number, the column and what to change. Row order is kept.
    """
    path = Path(path)
    if not path.is_file():
        raise CatalogError(
            f"{path}: catalog file not found; check the path in config (cargo catalog)."
        )
    schema = load_schema(schema_path)
    _check_field_counts(path)
    try:
        # QUOTE_NONE: quotes and legends contain quotation marks that are text, not CSV quoting.
        cat = pd.read_csv(
            path,
            sep="\t",
            dtype=str,
            keep_default_na=False,
            quoting=csv.QUOTE_NONE,
            encoding="utf-8",
        )
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise CatalogError(
            f"{path}: cannot be read as a UTF-8 tab-separated table with a header row ({exc})."
        ) from exc

    if cat.empty:
        raise CatalogError(
            f"{path}: has a header but no data rows; add the catalog rows."
        )
    expected = list(schema["properties"])
    missing = [col for col in expected if col not in cat.columns]
    unknown = [col for col in cat.columns if col not in schema["properties"]]
    if missing:
        raise CatalogError(
            f"{path}: header lacks column(s) {', '.join(missing)}; add them (see {SCHEMA_PATH.name})."
        )
    if unknown:
        raise CatalogError(
            f"{path}: header has column(s) {', '.join(unknown)} that the schema does not define; "
            f"remove them or describe them in {SCHEMA_PATH.name}."
        )

    validator = jsonschema.Draft202012Validator(schema)
    seen: dict[str, int] = {}
    for index, record in enumerate(cat.to_dict(orient="records"), start=1):
        where = f"{path}: data row {index} (line {index + 1})"
        for column, value in record.items():
            if not isinstance(value, str):
                raise CatalogError(
                    f"{where}, column '{column}': value is missing; fill it in (empty is allowed where the schema permits)."
                )
            if value != value.strip():
                raise CatalogError(
                    f"{where}, column '{column}': value {value!r} has surrounding whitespace; remove it."
                )
        errors = sorted(
            validator.iter_errors(record),
            key=lambda err: (list(err.absolute_path), err.message),
        )
        if errors:
            error = errors[0]
            column = error.absolute_path[0] if error.absolute_path else "(row)"
            raise CatalogError(
                f"{where}, column '{column}': {error.message}; {_error_hint(error)}."
            )
        claim_id = record["claim_id"]
        if claim_id in seen:
            raise CatalogError(
                f"{where}, column 'claim_id': '{claim_id}' already used by data row "
                f"{seen[claim_id]}; give this claim a new id."
            )
        seen[claim_id] = index
    return cat.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Name parsing
# --------------------------------------------------------------------------------------------


class MirnaName(NamedTuple):
    """A miRNA name split into the parts that matching compares."""

    species: str | None  # "hsa", "mmu", ... or None when unprefixed
    kind: str  # "mir" or "let"
    number: int
    letter: str | None  # family letter: miR-199a -> "a"
    locus: int | None  # numbered paralogous locus: miR-16-1-3p -> 1
    arm: str | None  # "5p" / "3p"


_MIRNA_RE = re.compile(
    r"^(?:(?P<species>[a-z]{2,4})-)?(?P<kind>mir|mirna|microrna|let)-?(?P<number>\d+)"
    r"(?P<letter>[a-z])?(?:-(?P<locus>\d+))?(?:-(?P<arm>[35]p))?$",
    re.IGNORECASE,
)


def parse_mirna(name: str) -> MirnaName | None:
    """Split a miRNA name (hsa-miR-16-1-3p, mmu-let-7a-5p, hsa-mir-21, miRNA-503) into parts; None if it is not one."""
    found = _MIRNA_RE.match(name.strip())
    if not found:
        return None
    kind = found["kind"].lower()
    return MirnaName(
        species=found["species"].lower() if found["species"] else None,
        kind="let" if kind == "let" else "mir",
        number=int(found["number"]),
        letter=found["letter"].lower() if found["letter"] else None,
        locus=int(found["locus"]) if found["locus"] else None,
        arm=found["arm"].lower() if found["arm"] else None,
    )


def _mirna_label(name: MirnaName, with_arm: bool = True) -> str:
    """Species-free label for notes, e.g. miR-199a-3p or let-7a-2."""
    label = f"{'let' if name.kind == 'let' else 'miR'}-{name.number}{name.letter or ''}"
    if name.locus is not None:
        label += f"-{name.locus}"
    if with_arm and name.arm:
        label += f"-{name.arm}"
    return label


_CIRC_RE = re.compile(
    r"^(?:(?P<species>[a-z]{3})[_-])?circ(?:rna)?[_-]?(?P<number>\d+)$", re.IGNORECASE
)


def normalise_circ_id(name: str) -> str | None:
    """Return the circBase spelling (hsa_circ_0004771) of a circRNA id in any common spelling, else None.

    Accepts hsa_circ_0004771, circ_0004771, hsa-circRNA-0088088, circRNA0088088; an unprefixed id is
    taken as human. Zero-padding is normalised to circBase's seven digits (the metastasis review
    writes hsa-circRNA-00005795 for hsa_circ_0005795).
    """
    found = _CIRC_RE.match(name.strip())
    if not found:
        return None
    species = (found["species"] or "hsa").lower()
    return f"{species}_circ_{int(found['number']):07d}"


def _gene_key(name: str) -> str:
    """Loose key for gene/lncRNA/protein names: case, spaces, hyphens and a leading 'lncRNA' ignored.

    lncRNA-H19 -> h19, UCH-L1 -> uchl1, 'GS1- 600G8.5' -> gs1600g8.5. Dots and digits are kept, so
    ABCB1 and ABCB11 stay apart.
    """
    key = name.strip().casefold()
    key = re.sub(r"^lnc[\s_-]*rna[\s_-]*", "", key)
    return re.sub(r"[\s_\-]+", "", key)


def _split_list(cell: str) -> list[str]:
    """Split a ';'-separated catalog cell into trimmed, non-empty items."""
    return [item.strip() for item in cell.split(";") if item.strip()]


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------


@dataclass
class _Index:
    """Lookup tables over one catalog, built once per annotate() call."""

    mirna: dict[tuple[str, int], list[tuple[int, str, MirnaName, str]]]
    gene_exact: dict[str, list[int]]
    gene_alias: dict[str, list[int]]
    gene_family: dict[str, list[int]]
    circ: dict[str, list[int]]
    claim_ids: list[str]
    canonical: list[str]
    rna_class: list[str]


def _build_index(cat: pd.DataFrame) -> _Index:
    """Index catalog rows by the keys each pipeline class is matched on."""
    mirna: dict = defaultdict(list)
    gene_exact: dict = defaultdict(list)
    gene_alias: dict = defaultdict(list)
    gene_family: dict = defaultdict(list)
    circ: dict = defaultdict(list)
    for pos, row in enumerate(cat.itertuples(index=False)):
        id_type, canonical = row.id_type, row.canonical_id
        if row.rna_class == "miRNA":
            parsed = parse_mirna(canonical)
            if parsed is not None:
                mirna[(parsed.kind, parsed.number)].append(
                    (pos, canonical, parsed, id_type)
                )
        elif row.rna_class == "circRNA":
            for name in [canonical, *_split_list(row.aliases)]:
                key = normalise_circ_id(name)
                if key is not None and pos not in circ[key]:
                    circ[key].append(pos)
        elif id_type in ("hgnc_symbol", "gene_family", "review_name"):
            gene_exact[canonical.casefold()].append(pos)
            for name in [canonical, *_split_list(row.aliases)]:
                key = _gene_key(name)
                if key and pos not in gene_alias[key]:
                    gene_alias[key].append(pos)
            for member in _split_list(row.members):
                gene_family[member.casefold()].append(pos)
    return _Index(
        dict(mirna),
        dict(gene_exact),
        dict(gene_alias),
        dict(gene_family),
        dict(circ),
        list(cat["claim_id"]),
        list(cat["canonical_id"]),
        list(cat["rna_class"]),
    )


def _compare_mirna(
    cat_name: MirnaName, cat_id: str, id_type: str, feature: MirnaName
) -> tuple[str, list[str]] | None:
    """Decide whether a feature miRNA is the catalog miRNA; return (match_type, note parts) or None.

    Number and kind must be equal (integers, so miR-21 never meets miR-210). Then each part may
    only be relaxed when one side leaves it open: the family letter only for mirna_family rows
    (miR-122 has its own letterless miRNA, so it must not swallow miR-122b), the locus when
    either side names no locus, the arm when either side names no arm.
    """
    if cat_name.kind != feature.kind or cat_name.number != feature.number:
        return None
    relaxed: list[str] = []
    notes: list[str] = []
    if cat_name.letter != feature.letter:
        if (
            cat_name.letter is None
            and id_type == "mirna_family"
            and feature.letter is not None
        ):
            relaxed.append("family")
            notes.append(
                f"catalog names the family {_mirna_label(cat_name, False)} without a letter; "
                f"feature is member {_mirna_label(feature)}"
            )
        else:
            return None
    if cat_name.locus != feature.locus:
        if cat_name.locus is None or feature.locus is None:
            relaxed.append("paralog")
            if feature.locus is not None:
                notes.append(
                    f"feature comes from the numbered paralogous locus {_mirna_label(feature, False)}; "
                    "catalog names no locus"
                )
            else:
                notes.append(
                    f"catalog names locus {_mirna_label(cat_name, False)}; feature names no locus "
                    "(product shared by the paralogous loci)"
                )
        else:
            return None
    if cat_name.arm != feature.arm:
        if cat_name.arm is None:
            relaxed.append("arm-agnostic")
            notes.append(
                f"catalog row is arm-unspecified ({cat_id}); feature arm {feature.arm}"
            )
        elif feature.arm is None:
            relaxed.append("arm-agnostic")
            notes.append(f"feature names no arm; catalog arm {cat_name.arm}")
        else:
            return None
    if cat_name.species and feature.species and cat_name.species != feature.species:
        notes.append(
            f"cross-species: feature is {feature.species}, catalog id is {cat_name.species}"
        )
    match_type = max(relaxed, key=_RANK.__getitem__) if relaxed else "exact"
    return match_type, notes


def _better(
    current: tuple[str, str] | None, candidate: tuple[str, str]
) -> tuple[str, str]:
    """Keep the more specific of two (match_type, note) pairs; ties keep the first."""
    if current is None or _RANK[candidate[0]] < _RANK[current[0]]:
        return candidate
    return current


def _match_mirna(feature_id: str, index: _Index) -> dict[int, tuple[str, str]]:
    """Match a miRNA feature, or each component of a merged "a/b" feature, against miRNA rows."""
    components = [part.strip() for part in feature_id.split("/") if part.strip()]
    merged = len(components) > 1
    # pos -> (match_type, notes of the first best component, components reaching that type)
    best: dict[int, tuple[str, list[str], list[str]]] = {}
    for component in components:
        parsed = parse_mirna(component)
        if parsed is None:
            continue
        for pos, cat_id, cat_name, id_type in index.mirna.get(
            (parsed.kind, parsed.number), []
        ):
            result = _compare_mirna(cat_name, cat_id, id_type, parsed)
            if result is None:
                continue
            match_type, notes = result
            current = best.get(pos)
            if current is None or _RANK[match_type] < _RANK[current[0]]:
                best[pos] = (match_type, notes, [component])
            elif match_type == current[0]:
                current[2].append(component)
    out: dict[int, tuple[str, str]] = {}
    for pos, (match_type, notes, matched) in best.items():
        if merged:
            label = "component" if len(matched) == 1 else "components"
            notes = [
                f"{label} {', '.join(matched)} of merged feature {feature_id}",
                *notes,
            ]
        out[pos] = (match_type, "; ".join(notes))
    return out


def _strip_gene_prefix(feature_id: str) -> str:
    """Demo gene ids look like gene_H19; Ensembl ids never equal a symbol, so no harm in trying."""
    return re.sub(r"^gene[_:]", "", feature_id.strip())


def _match_gene(
    feature_id: str, gene_name: str, rna_class: str, index: _Index
) -> dict[int, tuple[str, str]]:
    """Match a gene-level (lncRNA/mRNA) feature by gene_name, then feature_id, on ids, aliases and family members."""
    best: dict[int, tuple[str, str]] = {}
    candidates = []
    if gene_name.strip():
        candidates.append((gene_name.strip(), "gene_name"))
    fallback = _strip_gene_prefix(feature_id)
    if fallback and (
        not candidates or fallback.casefold() != candidates[0][0].casefold()
    ):
        candidates.append((fallback, "feature_id"))
    pipeline_to_catalog = {"lncrna": "lncRNA", "mrna": "mRNA/protein"}
    for name, field in candidates:
        via = "" if field == "gene_name" else "matched on feature_id; "
        for pos in index.gene_exact.get(name.casefold(), []):
            best[pos] = _better(
                best.get(pos), ("exact", "matched on feature_id" if via else "")
            )
        for pos in index.gene_alias.get(_gene_key(name), []):
            note = f"{via}{name} is an alias or spelling of {index.canonical[pos]}"
            best[pos] = _better(best.get(pos), ("alias", note))
        for pos in index.gene_family.get(name.casefold(), []):
            note = f"{via}catalog names the family {index.canonical[pos]} without a member; feature is member {name}"
            best[pos] = _better(best.get(pos), ("family", note))
    # Say so when the pipeline counted the gene in another class than the catalog records, as
    # biotype annotations and review wording do not always agree.
    expected = pipeline_to_catalog[rna_class]
    for pos, (match_type, note) in list(best.items()):
        if index.rna_class[pos] != expected:
            extra = f"catalog class is {index.rna_class[pos]}, feature counted as {rna_class}"
            best[pos] = (match_type, f"{note}; {extra}" if note else extra)
    return best


def _match_circ(
    feature_id: str, gene_name: str, index: _Index
) -> dict[int, tuple[str, str]]:
    """Match a circRNA by feature_id and by the circBase id(s) in gene_name, in any spelling."""
    best: dict[int, tuple[str, str]] = {}
    names = [feature_id.strip()] + [
        part.strip() for part in re.split(r"[,;/]", gene_name) if part.strip()
    ]
    for name in names:
        key = normalise_circ_id(name)
        if key is None:
            continue
        for pos in index.circ.get(key, []):
            if name == index.canonical[pos]:
                best[pos] = _better(best.get(pos), ("exact", ""))
            else:
                best[pos] = _better(
                    best.get(pos),
                    (
                        "alias",
                        f"{name} is a spelling variant of {index.canonical[pos]}",
                    ),
                )
    return best


def _match_with_index(
    feature_id: str, rna_class: str, index: _Index, gene_name: str | None = None
) -> list[CatalogMatch]:
    """match_feature() on a prebuilt index, so annotate() indexes the catalog once."""
    if rna_class not in PIPELINE_CLASSES:
        raise ValueError(
            f"rna_class must be one of {', '.join(PIPELINE_CLASSES)}, not {rna_class!r}"
        )
    feature_id = "" if feature_id is None else str(feature_id)
    gene_name = _clean_str(gene_name)
    if rna_class == "mirna":
        best = _match_mirna(feature_id, index)
    elif rna_class == "circrna":
        best = _match_circ(feature_id, gene_name, index)
    else:
        best = _match_gene(feature_id, gene_name, rna_class, index)
    return [
        CatalogMatch(index.claim_ids[pos], match_type, note)
        for pos, (match_type, note) in sorted(best.items())
    ]


def match_feature(
    feature_id: str, rna_class: str, cat: pd.DataFrame, gene_name: str | None = None
) -> list[CatalogMatch]:
    """Return the catalog claims a pipeline feature matches, in catalog row order.

    rna_class is the pipeline class: "mirna" (feature_id is a miRBase mature name, or several
    joined by "/" for merged identical sequences - each component is matched), "lncrna"/"mrna"
    (gene_name holds the HGNC symbol; feature_id is tried as a fallback) or "circrna" (a circBase
    id in any spelling, or coordinates with the circBase id in gene_name). Each claim appears
    once, with its most specific match type: exact, alias, arm-agnostic, paralog or family.
    """
    return _match_with_index(feature_id, rna_class, _build_index(cat), gene_name)


# --------------------------------------------------------------------------------------------
# Concordance and annotation
# --------------------------------------------------------------------------------------------


def _clean_str(value: Any) -> str:
    """None/NaN -> '' so that gene names read without keep_default_na still work."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _is_missing(value: Any) -> bool:
    """True for None, NaN and anything that is not a number."""
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def observed_direction(log2fc: Any, padj: Any, alpha: float) -> str:
    """Return "up"/"down" when padj < alpha and log2fc is non-zero, else "ns" (NaN padj or log2fc counts as ns)."""
    if _is_missing(padj) or _is_missing(log2fc) or not float(padj) < alpha:
        return "ns"
    if float(log2fc) > 0:
        return "up"
    if float(log2fc) < 0:
        return "down"
    return "ns"


def context_fits(contrast_context: str, claim_row: Mapping[str, str]) -> str:
    """Return "yes" if the claim informs a contrast of this context, else "no".

    drug_resistance claims fit a drug_resistance contrast and metastasis claims a metastasis
    contrast. Immune claims fit drug_resistance when about immunotherapy and metastasis when
    about immune evasion; biomarker claims fit drug_resistance when they predict a therapy
    response (chemotherapy, tamoxifen, trastuzumab, immunotherapy) and metastasis when they mark
    metastatic disease (metastasis_detection). Diagnosis, prognosis and other claims fit neither.
    """
    if contrast_context not in CONTRAST_CONTEXTS:
        raise ValueError(
            f"contrast_context must be one of {', '.join(CONTRAST_CONTEXTS)}, not {contrast_context!r}"
        )
    allowed = _FITS[contrast_context]
    context = claim_row["context"]
    if context not in allowed:
        return "no"
    subcategories = allowed[context]
    return (
        "yes"
        if subcategories is None or claim_row["subcategory"] in subcategories
        else "no"
    )


def concordance(
    log2fc: Any,
    padj: Any,
    alpha: float,
    contrast_context: str,
    claim_row: Mapping[str, str],
) -> dict[str, str]:
    """Compare one DE result with one catalog claim.

    log2fc must be resistant (or metastatic) over sensitive (or non-metastatic), the orientation
    of the catalog's direction column. Returns observed_direction ("up"/"down"/"ns"),
    direction_agrees ("unknown" when the catalog direction is unknown, else "not_significant"
    when ns, else "yes"/"no") and context_fits (see :func:`context_fits`).
    """
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha must be in (0, 1], not {alpha!r}")
    observed = observed_direction(log2fc, padj, alpha)
    catalog_direction = claim_row["direction"]
    if catalog_direction not in ("up", "down"):
        agrees = "unknown"
    elif observed == "ns":
        agrees = "not_significant"
    else:
        agrees = "yes" if observed == catalog_direction else "no"
    return {
        "observed_direction": observed,
        "direction_agrees": agrees,
        "context_fits": context_fits(contrast_context, claim_row),
    }


def annotate(
    de: pd.DataFrame,
    rna_class: str,
    contrast_context: str,
    cat: pd.DataFrame,
    alpha: float,
) -> pd.DataFrame:
    """Annotate a pydeseq2 result table with catalog claims.

    Keeps every feature that is significant (padj < alpha) or matches the catalog; one row per
    (feature, matched claim), and one row with in_catalog False for a significant feature that
    matches nothing. Columns are ANNOTATION_COLUMNS. Order: significant first, then padj
    ascending (NaN last), feature_id, catalog row order.
    """
    if rna_class not in PIPELINE_CLASSES:
        raise ValueError(
            f"rna_class must be one of {', '.join(PIPELINE_CLASSES)}, not {rna_class!r}"
        )
    if contrast_context not in CONTRAST_CONTEXTS:
        raise ValueError(
            f"contrast_context must be one of {', '.join(CONTRAST_CONTEXTS)}, not {contrast_context!r}"
        )
    missing = [col for col in _DE_COLUMNS if col not in de.columns]
    if missing:
        raise ValueError(f"DE table lacks column(s) {', '.join(missing)}")
    index = _build_index(cat)
    records = cat.to_dict(orient="records")
    pos_by_claim = {claim: pos for pos, claim in enumerate(index.claim_ids)}
    out: list[dict[str, Any]] = []
    sort_keys: list[tuple] = []
    for feature in de.to_dict(orient="records"):
        feature_id = str(feature["feature_id"])
        gene_name = _clean_str(feature.get("gene_name"))
        padj = feature["padj"]
        log2fc = feature["log2FoldChange"]
        significant = not _is_missing(padj) and float(padj) < alpha
        matches = _match_with_index(feature_id, rna_class, index, gene_name)
        if not matches and not significant:
            continue
        base = {
            "rna_class": rna_class,
            "feature_id": feature_id,
            "gene_name": gene_name,
            "baseMean": feature.get("baseMean", math.nan),
            "log2FoldChange": log2fc,
            "log2FoldChange_shrunk": feature.get("log2FoldChange_shrunk", math.nan),
            "pvalue": feature.get("pvalue", math.nan),
            "padj": padj,
            "significant": significant,
            "observed_direction": observed_direction(log2fc, padj, alpha),
        }
        padj_missing = _is_missing(padj)
        padj_value = math.inf if padj_missing else float(padj)
        if not matches:
            row = dict(base, in_catalog=False)
            row.update({col: "" for col in ANNOTATION_COLUMNS if col not in row})
            out.append(row)
            sort_keys.append(
                (not significant, padj_missing, padj_value, feature_id, -1)
            )
            continue
        for match in matches:
            pos = pos_by_claim[match.claim_id]
            claim = records[pos]
            verdict = concordance(log2fc, padj, alpha, contrast_context, claim)
            row = dict(base)
            row.update(
                {
                    "in_catalog": True,
                    "claim_id": match.claim_id,
                    "match_type": match.match_type,
                    "match_note": match.note,
                    "catalog_cargo": claim["cargo_name"],
                    "catalog_id": claim["canonical_id"],
                    "catalog_rna_class": claim["rna_class"],
                    "catalog_role": claim["cargo_role"],
                    "catalog_context": claim["context"],
                    "catalog_subcategory": claim["subcategory"],
                    "catalog_organ": claim["organ"],
                    "catalog_direction": claim["direction"],
                    "catalog_direction_basis": claim["direction_basis"],
                    "catalog_comparison": claim["comparison"],
                    "catalog_effect": claim["effect"],
                    "catalog_evidence": claim["evidence"],
                    "drug": claim["drug"],
                    "direction_agrees": verdict["direction_agrees"],
                    "context_fits": verdict["context_fits"],
                    "review": claim["review"],
                    "reference": claim["reference"],
                    "quote": claim["quote"],
                    "catalog_notes": claim["notes"],
                }
            )
            out.append(row)
            sort_keys.append(
                (not significant, padj_missing, padj_value, feature_id, pos)
            )
    order = sorted(range(len(out)), key=sort_keys.__getitem__)
    table = pd.DataFrame([out[i] for i in order], columns=ANNOTATION_COLUMNS)
    for column in ("significant", "in_catalog"):
        table[column] = table[column].astype(bool)
    for column in (
        "baseMean",
        "log2FoldChange",
        "log2FoldChange_shrunk",
        "pvalue",
        "padj",
    ):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    return table.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------


def _count_table(
    cat: pd.DataFrame, column: str, title: str, order: Iterable[str] | None = None
) -> list[str]:
    """Lines of a claims/molecules table grouped by one column, with a total line."""
    groups = cat.groupby(column, sort=True)
    keys = list(order) if order is not None else sorted(groups.groups)
    keys = [key for key in keys if key in groups.groups]
    width = max([len(title)] + [len(str(key)) for key in keys])
    lines = [f"{title:<{width}}  {'claims':>6}  {'molecules':>9}"]
    for key in keys:
        group = groups.get_group(key)
        lines.append(
            f"{key:<{width}}  {len(group):>6}  {group['canonical_id'].nunique():>9}"
        )
    lines.append(
        f"{'total':<{width}}  {len(cat):>6}  {cat['canonical_id'].nunique():>9}"
    )
    return lines


def summarise(cat: pd.DataFrame) -> str:
    """Return a plain-text summary: claims and distinct molecules (canonical_id) per RNA class, context and review.

    Also breaks miRNA claims down by identifier type and RNA classes by measurability, so a
    reader sees how much of the catalog sequencing can observe.
    """
    lines = [
        "exocargo cargo catalog",
        f"claims: {len(cat)}; distinct molecules (canonical_id): {cat['canonical_id'].nunique()}; "
        f"reviews: {cat['review'].nunique()}",
        "",
        *_count_table(
            cat,
            "rna_class",
            "RNA class",
            ["miRNA", "lncRNA", "circRNA", "mRNA/protein", "other"],
        ),
        "",
        *_count_table(
            cat,
            "context",
            "context",
            ["drug_resistance", "metastasis", "immune", "biomarker"],
        ),
        "",
        *_count_table(cat, "review", "review"),
        "",
        *_count_table(
            cat, "measurable_by_seq", "measurable by sequencing", ["yes", "proxy", "no"]
        ),
        "",
        *_count_table(
            cat[cat["rna_class"] == "miRNA"],
            "id_type",
            "miRNA identifier",
            [
                "mirna_mature",
                "mirna_arm_unspecified",
                "mirna_family",
                "mirna_not_in_mirbase22",
            ],
        ),
        "",
        "claims by context and RNA class",
    ]
    crosstab = pd.crosstab(cat["context"], cat["rna_class"])
    crosstab = crosstab.reindex(
        index=[
            c
            for c in ["drug_resistance", "metastasis", "immune", "biomarker"]
            if c in crosstab.index
        ],
        columns=[
            c
            for c in ["miRNA", "lncRNA", "circRNA", "mRNA/protein", "other"]
            if c in crosstab.columns
        ],
    )
    lines.append(crosstab.to_string())
    return "\n".join(lines) + "\n"

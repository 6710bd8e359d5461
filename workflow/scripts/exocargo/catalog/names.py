"""Names of cargo molecules and the matching of pipeline features to catalog claims.

Pipeline feature ids (miRBase mature names, gene ids with HGNC symbols, circRNA ids) are
mapped to catalog rows, saying how each match was made (:func:`match_feature`).

Name matching is written by hand: no maintained library parses miRBase names into
family/letter/locus/arm parts or reconciles circBase spellings, and the rules must be exact
about prefixes (miR-21 is not miR-210).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd

PIPELINE_CLASSES = ("mirna", "lncrna", "mrna", "circrna")

# Match types from most to least specific; a (feature, claim) pair reports the most specific
# way it matched, and a match needing several relaxations reports the broadest of them.
MATCH_TYPES = ("exact", "alias", "arm-agnostic", "paralog", "family")
_RANK = {name: rank for rank, name in enumerate(MATCH_TYPES)}

# Catalog rna_class of the genes the pipeline counts as each gene-level class.
_CATALOG_CLASS = {"lncrna": "lncRNA", "mrna": "mRNA/protein"}


@dataclass(frozen=True)
class CatalogMatch:
    """One catalog claim matched by a feature.

    match_type is one of MATCH_TYPES; note explains relaxations (arm, letter, locus, alias,
    species, merged-feature component) in words.
    """

    claim_id: str
    match_type: str
    note: str


class _Found(NamedTuple):
    """How a feature matched one catalog row (a CatalogMatch before the claim id is named)."""

    match_type: str
    note: str


def check_rna_class(rna_class: str) -> None:
    """Raise ValueError unless rna_class is one of PIPELINE_CLASSES."""
    if rna_class not in PIPELINE_CLASSES:
        raise ValueError(
            f"rna_class must be one of {', '.join(PIPELINE_CLASSES)}, not {rna_class!r}"
        )


def clean_str(value: Any) -> str:
    """None/NaN -> '' so that gene names read without keep_default_na still work."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


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


def _strip_gene_prefix(feature_id: str) -> str:
    """Demo gene ids look like gene_H19; Ensembl ids never equal a symbol, so no harm in trying."""
    return re.sub(r"^gene[_:]", "", feature_id.strip())


# --------------------------------------------------------------------------------------------
# The catalog indexed for matching
# --------------------------------------------------------------------------------------------


class _MirnaRow(NamedTuple):
    """A miRNA catalog row as matching sees it."""

    pos: int  # row number in the catalog (0-based)
    canonical_id: str
    name: MirnaName  # canonical_id parsed
    id_type: str


@dataclass
class CatalogIndex:
    """Lookup tables over one catalog, built once per annotate() call (:func:`build_index`)."""

    claim_ids: list[str]
    canonical: list[str]
    rna_class: list[str]
    mirna: dict[tuple[str, int], list[_MirnaRow]] = field(default_factory=dict)
    gene_exact: dict[str, list[int]] = field(default_factory=dict)
    gene_alias: dict[str, list[int]] = field(default_factory=dict)
    gene_family: dict[str, list[int]] = field(default_factory=dict)
    circ: dict[str, list[int]] = field(default_factory=dict)


def build_index(cat: pd.DataFrame) -> CatalogIndex:
    """Index catalog rows by the keys each pipeline class is matched on."""
    index = CatalogIndex(
        list(cat["claim_id"]), list(cat["canonical_id"]), list(cat["rna_class"])
    )
    tables = {name: defaultdict(list) for name in
              ("mirna", "gene_exact", "gene_alias", "gene_family", "circ")}
    for pos, row in enumerate(cat.itertuples(index=False)):
        if row.rna_class == "miRNA":
            _index_mirna(tables["mirna"], pos, row)
        elif row.rna_class == "circRNA":
            _add_unique(tables["circ"], pos, map(normalise_circ_id, _names_of(row)))
        elif row.id_type in ("hgnc_symbol", "gene_family", "review_name"):
            tables["gene_exact"][row.canonical_id.casefold()].append(pos)
            _add_unique(tables["gene_alias"], pos, map(_gene_key, _names_of(row)))
            for member in _split_list(row.members):
                tables["gene_family"][member.casefold()].append(pos)
    for name, table in tables.items():
        setattr(index, name, dict(table))
    return index


def _names_of(row) -> list[str]:
    """A catalog row's canonical id and its aliases."""
    return [row.canonical_id, *_split_list(row.aliases)]


def _index_mirna(table: dict, pos: int, row) -> None:
    """File a miRNA row under (kind, number), the parts every match must share."""
    parsed = parse_mirna(row.canonical_id)
    if parsed is not None:
        table[(parsed.kind, parsed.number)].append(
            _MirnaRow(pos, row.canonical_id, parsed, row.id_type)
        )


def _add_unique(table: dict, pos: int, keys) -> None:
    """File row ``pos`` under each non-empty key, once per key."""
    for key in keys:
        if key and pos not in table[key]:
            table[key].append(pos)


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------


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
    return match_with_index(feature_id, rna_class, build_index(cat), gene_name)


def match_with_index(
    feature_id: str, rna_class: str, index: CatalogIndex, gene_name: str | None = None
) -> list[CatalogMatch]:
    """match_feature() on a prebuilt index, so annotate() indexes the catalog once."""
    check_rna_class(rna_class)
    feature_id = "" if feature_id is None else str(feature_id)
    gene_name = clean_str(gene_name)
    if rna_class == "mirna":
        best = _match_mirna(feature_id, index)
    elif rna_class == "circrna":
        best = _match_circ(feature_id, gene_name, index)
    else:
        best = _match_gene(feature_id, gene_name, rna_class, index)
    return [
        CatalogMatch(index.claim_ids[pos], found.match_type, found.note)
        for pos, found in sorted(best.items())
    ]


def _better(current: _Found | None, candidate: _Found) -> _Found:
    """Keep the more specific of two matches; ties keep the first."""
    if current is None or _RANK[candidate.match_type] < _RANK[current.match_type]:
        return candidate
    return current


# miRNAs ------------------------------------------------------------------------------------


class _MirnaMatch(NamedTuple):
    """How a miRNA name matches a catalog miRNA (:func:`_compare_mirna`)."""

    match_type: str
    notes: list[str]


@dataclass
class _MirnaBest:
    """The best match of a (possibly merged) miRNA feature to one catalog row so far."""

    match_type: str
    notes: list[str]  # notes of the first component reaching match_type
    components: list[str]  # the components reaching match_type


def _match_mirna(feature_id: str, index: CatalogIndex) -> dict[int, _Found]:
    """Match a miRNA feature, or each component of a merged "a/b" feature, against miRNA rows."""
    components = [part.strip() for part in feature_id.split("/") if part.strip()]
    best: dict[int, _MirnaBest] = {}
    for component in components:
        parsed = parse_mirna(component)
        if parsed is None:
            continue
        for row in index.mirna.get((parsed.kind, parsed.number), []):
            _keep_best(best, row.pos, _compare_mirna(row, parsed), component)
    merged = len(components) > 1
    return {
        pos: _Found(entry.match_type, "; ".join(_merged_notes(entry, feature_id, merged)))
        for pos, entry in best.items()
    }


def _keep_best(
    best: dict[int, _MirnaBest], pos: int, found: _MirnaMatch | None, component: str
) -> None:
    """Record a component's match of row ``pos`` if it is more specific than the best so far."""
    if found is None:
        return
    current = best.get(pos)
    if current is None or _RANK[found.match_type] < _RANK[current.match_type]:
        best[pos] = _MirnaBest(found.match_type, found.notes, [component])
    elif found.match_type == current.match_type:
        current.components.append(component)


def _merged_notes(entry: _MirnaBest, feature_id: str, merged: bool) -> list[str]:
    """The match's notes, led for a merged feature by the components that matched."""
    if not merged:
        return entry.notes
    label = "component" if len(entry.components) == 1 else "components"
    return [f"{label} {', '.join(entry.components)} of merged feature {feature_id}",
            *entry.notes]


class _Relaxation(NamedTuple):
    """A part of a miRNA name one side leaves open, and the note that says so."""

    match_type: str
    note: str


def _compare_mirna(row: _MirnaRow, feature: MirnaName) -> _MirnaMatch | None:
    """Decide whether a feature miRNA is the catalog miRNA: its match type and notes, or None.

    Number and kind must be equal (integers, so miR-21 never meets miR-210). Then each part may
    only be relaxed when one side leaves it open: the family letter only for mirna_family rows
    (miR-122 has its own letterless miRNA, so it must not swallow miR-122b), the locus when
    either side names no locus, the arm when either side names no arm.
    """
    if row.name.kind != feature.kind or row.name.number != feature.number:
        return None
    relaxations: list[_Relaxation] = []
    for relax in (_relax_letter, _relax_locus, _relax_arm):
        found = relax(row, feature)
        if found is None:
            return None
        relaxations.extend(found)
    notes = [relaxation.note for relaxation in relaxations]
    notes.extend(_species_note(row.name, feature))
    match_type = max(
        (relaxation.match_type for relaxation in relaxations),
        key=_RANK.__getitem__,
        default="exact",
    )
    return _MirnaMatch(match_type, notes)


# Each _relax_* returns [] when both sides agree on the part, [relaxation] when one side
# leaves it open, and None when they disagree.


def _relax_letter(row: _MirnaRow, feature: MirnaName) -> list[_Relaxation] | None:
    """The family letter may only be open on the catalog side, and only for mirna_family rows."""
    cat_name = row.name
    if cat_name.letter == feature.letter:
        return []
    if cat_name.letter is None and row.id_type == "mirna_family" and feature.letter is not None:
        return [_Relaxation(
            "family",
            f"catalog names the family {_mirna_label(cat_name, False)} without a letter; "
            f"feature is member {_mirna_label(feature)}",
        )]
    return None


def _relax_locus(row: _MirnaRow, feature: MirnaName) -> list[_Relaxation] | None:
    """The paralogous locus may be open on either side."""
    cat_name = row.name
    if cat_name.locus == feature.locus:
        return []
    if feature.locus is not None and cat_name.locus is None:
        return [_Relaxation(
            "paralog",
            f"feature comes from the numbered paralogous locus {_mirna_label(feature, False)}; "
            "catalog names no locus",
        )]
    if feature.locus is None:
        return [_Relaxation(
            "paralog",
            f"catalog names locus {_mirna_label(cat_name, False)}; feature names no locus "
            "(product shared by the paralogous loci)",
        )]
    return None


def _relax_arm(row: _MirnaRow, feature: MirnaName) -> list[_Relaxation] | None:
    """The arm may be open on either side."""
    if row.name.arm == feature.arm:
        return []
    if row.name.arm is None:
        return [_Relaxation(
            "arm-agnostic",
            f"catalog row is arm-unspecified ({row.canonical_id}); feature arm {feature.arm}",
        )]
    if feature.arm is None:
        return [_Relaxation("arm-agnostic", f"feature names no arm; catalog arm {row.name.arm}")]
    return None


def _species_note(cat_name: MirnaName, feature: MirnaName) -> list[str]:
    """A note when both names carry a species prefix and they differ (matching ignores species)."""
    if cat_name.species and feature.species and cat_name.species != feature.species:
        return [f"cross-species: feature is {feature.species}, catalog id is {cat_name.species}"]
    return []


# Genes (lncRNA, mRNA) ----------------------------------------------------------------------


class _GeneCandidate(NamedTuple):
    """A name a gene-level feature is looked up by."""

    name: str
    on_feature_id: bool  # taken from feature_id (the fallback), not gene_name


def _gene_candidates(feature_id: str, gene_name: str) -> list[_GeneCandidate]:
    """gene_name first, then feature_id without a gene_ prefix when it is another name."""
    candidates = []
    if gene_name.strip():
        candidates.append(_GeneCandidate(gene_name.strip(), False))
    fallback = _strip_gene_prefix(feature_id)
    if fallback and (
        not candidates or fallback.casefold() != candidates[0].name.casefold()
    ):
        candidates.append(_GeneCandidate(fallback, True))
    return candidates


def _match_gene(
    feature_id: str, gene_name: str, rna_class: str, index: CatalogIndex
) -> dict[int, _Found]:
    """Match a gene-level (lncRNA/mRNA) feature by gene_name, then feature_id, on ids, aliases and family members."""
    best: dict[int, _Found] = {}
    for name, on_feature_id in _gene_candidates(feature_id, gene_name):
        via = "matched on feature_id; " if on_feature_id else ""
        for pos in index.gene_exact.get(name.casefold(), []):
            best[pos] = _better(
                best.get(pos), _Found("exact", "matched on feature_id" if via else "")
            )
        for pos in index.gene_alias.get(_gene_key(name), []):
            note = f"{via}{name} is an alias or spelling of {index.canonical[pos]}"
            best[pos] = _better(best.get(pos), _Found("alias", note))
        for pos in index.gene_family.get(name.casefold(), []):
            note = f"{via}catalog names the family {index.canonical[pos]} without a member; feature is member {name}"
            best[pos] = _better(best.get(pos), _Found("family", note))
    return {pos: _note_class(found, index.rna_class[pos], rna_class)
            for pos, found in best.items()}


def _note_class(found: _Found, catalog_class: str, rna_class: str) -> _Found:
    """Say so when the pipeline counted the gene in another class than the catalog records, as
    biotype annotations and review wording do not always agree."""
    if catalog_class == _CATALOG_CLASS[rna_class]:
        return found
    extra = f"catalog class is {catalog_class}, feature counted as {rna_class}"
    return _Found(found.match_type, f"{found.note}; {extra}" if found.note else extra)


# circRNAs ----------------------------------------------------------------------------------


def _match_circ(
    feature_id: str, gene_name: str, index: CatalogIndex
) -> dict[int, _Found]:
    """Match a circRNA by feature_id and by the circBase id(s) in gene_name, in any spelling."""
    best: dict[int, _Found] = {}
    names = [feature_id.strip()] + [
        part.strip() for part in re.split(r"[,;/]", gene_name) if part.strip()
    ]
    for name in names:
        key = normalise_circ_id(name)
        if key is None:
            continue
        for pos in index.circ.get(key, []):
            canonical = index.canonical[pos]
            found = (_Found("exact", "") if name == canonical else
                     _Found("alias", f"{name} is a spelling variant of {canonical}"))
            best[pos] = _better(best.get(pos), found)
    return best

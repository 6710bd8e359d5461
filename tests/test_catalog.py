"""Tests of the cargo catalog data, its schema and provenance, loading errors, concordance,
annotation and the summary command (matching rules are in test_catalog_matching.py)."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from exocargo import catalog

REPO = Path(__file__).resolve().parents[1]
CATALOG_PATH = REPO / "resources" / "cargo_catalog.tsv"
SCHEMA_PATH = REPO / "workflow" / "schemas" / "cargo_catalog.schema.yaml"
SUMMARY_SCRIPT = REPO / "workflow" / "scripts" / "catalog_summary.py"
SEEDS = REPO.parent / "shared" / "seeds"
MIRBASE = REPO.parent / "shared" / "references" / "mirbase"
REVIEW_DR = "000_033a73301b842bf9.txt"
REVIEW_MET = "004_ae7c9a7570de428f.txt"
# Highest reference number each review prints (its bibliography length).
MAX_REFERENCE = {REVIEW_DR: 132, REVIEW_MET: 118}

needs_seeds = pytest.mark.skipif(
    not all((SEEDS / name).is_file() for name in (REVIEW_DR, REVIEW_MET)),
    reason=f"review texts not found under {SEEDS} (expected ../shared/seeds next to the repo)",
)
needs_mirbase = pytest.mark.skipif(
    not (MIRBASE / "hsa_mature.v22.fa").is_file(),
    reason=f"miRBase 22 mature FASTA not found under {MIRBASE} (expected ../shared/references/mirbase)",
)


@pytest.fixture(scope="module")
def cat() -> pd.DataFrame:
    return catalog.load_catalog(CATALOG_PATH)


@pytest.fixture(scope="module")
def reviews() -> dict[str, str]:
    return {
        name: (SEEDS / name).read_text(encoding="utf-8")
        for name in (REVIEW_DR, REVIEW_MET)
    }


@pytest.fixture(scope="module")
def mirbase_mature() -> set[str]:
    text = (MIRBASE / "hsa_mature.v22.fa").read_text(encoding="utf-8")
    return {line[1:].split()[0] for line in text.splitlines() if line.startswith(">")}


def _rows(cat, **where):
    mask = pd.Series(True, index=cat.index)
    for column, value in where.items():
        mask &= cat[column] == value
    return cat[mask]


# ---------------------------------------------------------------------------------------------
# Schema and loading
# ---------------------------------------------------------------------------------------------


def test_catalog_loads_as_strings_with_unique_ids(cat):
    assert len(cat) >= 150, "the two reviews name well over a hundred cargo claims"
    assert all(cat[column].map(type).eq(str).all() for column in cat.columns)
    assert cat["claim_id"].is_unique
    schema = catalog.load_schema(SCHEMA_PATH)
    assert list(cat.columns) == list(
        schema["properties"]
    ), "TSV columns follow the schema order"


def test_every_row_validates_against_the_schema(cat):
    validator = jsonschema.Draft202012Validator(catalog.load_schema(SCHEMA_PATH))
    problems = {
        row["claim_id"]: [e.message for e in validator.iter_errors(row)]
        for row in cat.to_dict(orient="records")
    }
    assert {k: v for k, v in problems.items() if v} == {}


def test_schema_describes_every_property_and_controls_enums():
    schema = catalog.load_schema(SCHEMA_PATH)
    jsonschema.Draft202012Validator.check_schema(schema)
    undescribed = [
        name
        for name, spec in schema["properties"].items()
        if not spec.get("description")
    ]
    assert undescribed == []
    for controlled in (
        "id_type",
        "rna_class",
        "measurable_by_seq",
        "cargo_role",
        "context",
        "subcategory",
        "direction",
        "direction_basis",
        "effect",
        "review",
        "reference_basis",
    ):
        assert "enum" in schema["properties"][controlled], controlled
    assert set(schema["properties"]["rna_class"]["enum"]) == {
        "miRNA",
        "lncRNA",
        "circRNA",
        "mRNA/protein",
        "other",
    }
    assert set(schema["properties"]["context"]["enum"]) == {
        "drug_resistance",
        "metastasis",
        "immune",
        "biomarker",
    }


def test_claim_id_prefix_follows_context_and_numbers_are_dense(cat):
    prefix = {
        "drug_resistance": "DR",
        "metastasis": "MET",
        "immune": "IMM",
        "biomarker": "BIO",
    }
    for context, group in cat.groupby("context"):
        ids = list(group["claim_id"])
        assert ids == [
            f"{prefix[context]}{n:03d}" for n in range(1, len(ids) + 1)
        ], context


def _write_modified(tmp_path, edit) -> Path:
    lines = CATALOG_PATH.read_text(encoding="utf-8").splitlines()
    lines = edit(lines)
    path = tmp_path / "cargo_catalog.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _set_cell(lines, data_row, column, value):
    header = lines[0].split("\t")
    fields = lines[data_row].split("\t")
    fields[header.index(column)] = value
    lines[data_row] = "\t".join(fields)
    return lines


def _assert_rejected(path: Path, pattern: str) -> None:
    """Loading the catalog at path raises CatalogError with a message matching pattern."""
    with pytest.raises(catalog.CatalogError, match=pattern):
        catalog.load_catalog(path)


def test_bad_enum_value_names_file_row_line_column_and_fix(tmp_path):
    path = _write_modified(
        tmp_path, lambda lines: _set_cell(lines, 5, "context", "resistance")
    )
    with pytest.raises(catalog.CatalogError) as err:
        catalog.load_catalog(path)
    message = str(err.value)
    assert str(path) in message
    assert "data row 5 (line 6)" in message
    assert "column 'context'" in message
    assert "drug_resistance" in message and "change it to one of" in message


def test_direction_without_comparison_is_rejected(tmp_path):
    def edit(lines):
        header = lines[0].split("\t")
        row = next(
            i
            for i, line in enumerate(lines[1:], start=1)
            if line.split("\t")[header.index("direction")] == "up"
        )
        self_row.append(row)
        return _set_cell(lines, row, "comparison", "")

    self_row: list[int] = []
    path = _write_modified(tmp_path, edit)
    _assert_rejected(path, rf"data row {self_row[0]} .*column 'comparison'.*fill it in")


def test_subcategory_must_fit_context(tmp_path):
    # DR001 is a drug_resistance claim; "angiogenesis" belongs to metastasis only.
    path = _write_modified(
        tmp_path, lambda lines: _set_cell(lines, 1, "subcategory", "angiogenesis")
    )
    _assert_rejected(path, r"data row 1 \(line 2\), column 'subcategory'.*chemotherapy")


def test_duplicate_claim_id_is_rejected(tmp_path):
    def edit(lines):
        first = lines[1].split("\t")[0]
        return _set_cell(lines, 3, "claim_id", first)

    path = _write_modified(tmp_path, edit)
    _assert_rejected(
        path, r"data row 3 \(line 4\), column 'claim_id'.*already used by data row 1"
    )


def test_missing_column_and_stray_whitespace_and_short_rows_are_rejected(tmp_path):
    def drop_notes(lines):
        return ["\t".join(line.split("\t")[:-1]) for line in lines]

    _assert_rejected(
        _write_modified(tmp_path, drop_notes), r"header lacks column\(s\) notes"
    )
    _assert_rejected(
        _write_modified(
            tmp_path, lambda lines: _set_cell(lines, 2, "drug", "tamoxifen ")
        ),
        r"data row 2 \(line 3\), column 'drug'.*whitespace",
    )

    def truncate_row(lines):
        lines[4] = "\t".join(lines[4].split("\t")[:-2])
        return lines

    _assert_rejected(
        _write_modified(tmp_path, truncate_row),
        r"data row 4 \(line 5\) has 23 tab-separated fields where the header has 25",
    )
    _assert_rejected(
        _write_modified(tmp_path, lambda lines: lines[:3] + [""] + lines[3:]),
        r"line 4 is blank",
    )
    _assert_rejected(tmp_path / "absent.tsv", "not found")


# ---------------------------------------------------------------------------------------------
# Provenance against the review texts
# ---------------------------------------------------------------------------------------------


def _citation_present(text: str, number: str) -> bool:
    """Is `number` printed as a citation (glued after a word, possibly in a list like 31,32,33)?"""
    return (
        re.search(rf"(?<=[^\s\d,])(?:\d{{1,3}},)*{number}(?:,\d{{1,3}})*(?!\d)", text)
        is not None
    )


def _sentence_of(paragraph: str, quote: str) -> str:
    """The sentence(s) of paragraph that hold quote; a boundary is [.!?] + space + capital letter."""
    start_q = paragraph.index(quote)
    end_q = start_q + len(quote)
    bounds = [m.end() for m in re.finditer(r"[.!?]\s+(?=[A-Z])", paragraph)]
    start = max([b for b in bounds if b <= start_q], default=0)
    end = min([b for b in bounds if b >= end_q], default=len(paragraph))
    return paragraph[start:end]


@needs_seeds
def test_every_quote_is_verbatim_in_its_review(cat, reviews):
    missing = [
        row.claim_id for row in cat.itertuples() if row.quote not in reviews[row.review]
    ]
    assert missing == []


@needs_seeds
def test_reference_numbers_are_cited_where_the_quote_is(cat, reviews):
    problems = []
    for row in cat.itertuples():
        text = reviews[row.review]
        paragraph = next(p for p in text.split("\n") if row.quote in p)
        for number in row.reference.split(","):
            if int(number) > MAX_REFERENCE[row.review]:
                problems.append((row.claim_id, number, "beyond the bibliography"))
            # Cited/paragraph numbers must be printed in the quote's own paragraph; legends and
            # conclusions cite nothing, so a restated claim's number must be cited somewhere.
            scope = {
                "cited": _sentence_of(paragraph, row.quote),
                "paragraph": paragraph,
            }.get(row.reference_basis, text)
            if not _citation_present(scope, number):
                problems.append((row.claim_id, number, row.reference_basis))
        if row.reference_basis == "restated":
            assert (
                row.notes
            ), f"{row.claim_id}: restated rows must say where the number comes from"
    assert problems == []


@needs_seeds
def test_restated_rows_quote_a_legend_or_the_conclusions(cat, reviews):
    for row in _rows(cat, reference_basis="restated").itertuples():
        text = reviews[row.review]
        paragraphs = text.split("\n")
        index = next(i for i, p in enumerate(paragraphs) if row.quote in p)
        previous = [p for p in paragraphs[:index] if p.strip()]
        in_legend = (
            len(previous) >= 2
            and previous[-1].startswith("figure ")
            and previous[-2].startswith("Fig.")
        )
        in_conclusions = text.rfind("Conclusions", 0, text.index(row.quote)) > 0
        assert in_legend or in_conclusions, row.claim_id


# miRNA names as the reviews print them (miR-9-5p, MiR-155, Let-7a, miRNA-503, anti-miR-142-3p).
_MIRNA_MENTION = re.compile(
    r"(?<!\w)(?:miR|MiR|miRNA|Let|let)-\d+[a-z]?(?:-\d+(?![\dp]))?(?:-[35]p)?(?![\w-])"
)


@needs_seeds
def test_every_mirna_the_reviews_name_is_catalogued_under_that_review(cat, reviews):
    missing = []
    for review, text in reviews.items():
        sub = _rows(cat, review=review)
        for mention in sorted(set(_MIRNA_MENTION.findall(text))):
            matches = catalog.match_feature(f"hsa-{mention}", "mirna", sub)
            if not any(m.match_type == "exact" for m in matches):
                missing.append((review, mention))
    assert missing == []
    # miR-223 and miR-105 also appear in forms the regex skips ("miR-222/223", "miRNA-21, and 105").
    assert not _rows(cat, review=REVIEW_DR, canonical_id="hsa-miR-223").empty
    assert not _rows(
        cat, review=REVIEW_MET, canonical_id="hsa-miR-105", reference="57"
    ).empty


@needs_seeds
def test_no_catalog_mirna_is_invented(cat, reviews):
    """Each miRNA row's molecule (ignoring arm) is named in its review."""
    for row in _rows(cat, rna_class="miRNA").itertuples():
        wanted = catalog.parse_mirna(row.canonical_id)
        named = {
            catalog.parse_mirna(m)[1:5]
            for m in _MIRNA_MENTION.findall(reviews[row.review])
        }
        named |= (
            {("mir", 223, None, None)} if row.review == REVIEW_DR else set()
        )  # "miR-222/223"
        assert wanted[1:5] in named, row.claim_id


@needs_mirbase
def test_mirna_ids_exist_in_mirbase22(cat, mirbase_mature):
    problems = []
    for row in _rows(cat, rna_class="miRNA").itertuples():
        canon = row.canonical_id
        if row.id_type == "mirna_mature":
            ok = canon in mirbase_mature
        elif row.id_type == "mirna_arm_unspecified":
            # A stem is acceptable when an arm (or a numbered locus's arm) of it is in miRBase 22.
            ok = (
                any(
                    re.fullmatch(rf"{re.escape(canon)}(-\d+)?-[35]p", name)
                    for name in mirbase_mature
                )
                or canon in mirbase_mature
            )
        elif row.id_type == "mirna_family":
            members = row.members.split(";")
            ok = len(members) >= 2 and all(
                m.startswith(canon)
                and re.fullmatch(r"[a-z]", m[len(canon) :])
                and any(name.startswith(m + "-") for name in mirbase_mature)
                for m in members
            )
            # The letterless stem must not itself exist, or family matching would be wrong.
            ok = ok and not any(
                re.fullmatch(rf"{re.escape(canon)}(-\d+)?(-[35]p)?", n)
                for n in mirbase_mature
            )
        else:
            ok = not any(
                name == canon or name.startswith(canon + "-") for name in mirbase_mature
            )
        if not ok:
            problems.append((row.claim_id, canon, row.id_type))
    assert problems == []
    # The one miRNA a review names that miRBase 22 lacks is flagged, not silently kept.
    assert set(_rows(cat, id_type="mirna_not_in_mirbase22")["canonical_id"]) == {
        "hsa-miR-7641"
    }


@needs_mirbase
def test_arm_unspecified_stems_really_lack_an_arm_in_the_review(
    cat, reviews, mirbase_mature
):
    """A stem row's own cargo_name carries no arm, and a stem is used only where miRBase has arms."""
    for row in _rows(cat, id_type="mirna_arm_unspecified").itertuples():
        assert not re.search(r"-[35]p\b", row.cargo_name), row.claim_id
        assert row.canonical_id not in mirbase_mature, row.claim_id


def test_named_non_mirna_cargo_is_present(cat):
    expected = {
        REVIEW_DR: {
            "ABCB1",
            "TRPC5",
            "UCHL1",
            "GSTP1",
            "BIRC5",
            "H19",
            "UCA1",
            "ERBB2",
            "TGFB1",
            "CD274",
            "SNHG14",
            "AGAP2-AS1",
            "HNRNPA2B1",
            "PDCD6IP",
            "TGFB2",
            "RN7SL1",
            "HOTAIR",
            "RAB27B",
            "mtDNA",
            "doxorubicin",
        },
        REVIEW_MET: {
            "MCAM",
            "HIF1A",
            "RAB22A",
            "ASPH",
            "ATG5",
            "EDNRA",
            "UNC13D",
            "PDZK1IP1",
            "XIST",
            "SNHG16",
            "BCRT1",
            "GS1-600G8.5",
            "Lnc-BM",
            "hsa_circ_0005795",
            "hsa_circ_0088088",
            "hsa_circ_0004771",
            "FN1",
            "ENO1",
            "BHLHE40",
            "HBEGF",
            "MTA1",
            "ANXA2",
            "UCHL1",
            "MYOF",
            "THBS1",
            "NPNT",
            "PPM1F",
            "CEMIP",
            "LCP1",
            "ITGB3",
            "ITGAV",
            "ITGB5",
            "ITGA6",
            "ITGB4",
            "CD274",
            "27-hydroxycholesterol",
            "docosahexaenoic acid",
            "fatty acids",
            "heparan sulfate",
        },
    }
    for review, ids in expected.items():
        assert ids <= set(_rows(cat, review=review)["canonical_id"]), ids - set(
            _rows(cat, review=review)["canonical_id"]
        )


def test_protein_names_map_to_hgnc_symbols(cat):
    assert set(cat.loc[cat["cargo_name"] == "P-gp", "canonical_id"]) == {"ABCB1"}
    assert set(cat.loc[cat["cargo_name"].str.contains("PD-L1"), "canonical_id"]) == {
        "CD274"
    }
    assert set(cat.loc[cat["cargo_name"] == "survivin", "canonical_id"]) == {"BIRC5"}
    assert set(cat.loc[cat["cargo_name"] == "UCH-L1", "canonical_id"]) == {"UCHL1"}


def test_ambiguities_are_recorded_in_notes(cat):
    notes = dict(zip(cat["claim_id"], cat["notes"]))
    mir222_tam = _rows(cat, canonical_id="hsa-miR-222", subcategory="tamoxifen").iloc[0]
    assert "Contradictory" in mir222_tam["notes"]
    assert (
        "eight digits" in _rows(cat, canonical_id="hsa_circ_0005795").iloc[0]["notes"]
    )
    assert "Fig. 3 legend" in _rows(cat, canonical_id="hsa-miR-221-3p").iloc[0]["notes"]
    assert (
        "Contradictory"
        in notes[_rows(cat, canonical_id="hsa-let-7i").iloc[0]["claim_id"]]
    )
    # An inferred direction always says which groups it was inferred from.
    assert (_rows(cat, direction_basis="inferred")["comparison"] != "").all()


def test_evidence_records_mouse_work_the_quote_mentions(cat):
    """A claim whose quote speaks of in vivo, mouse or 4T1 work must say 'mouse' in evidence."""
    mouse_words = re.compile(r"in vivo|mouse|mice|4T1|xenograft", re.IGNORECASE)
    flagged = cat[cat["quote"].str.contains(mouse_words)]
    assert len(flagged) >= 10
    assert [
        row.claim_id
        for row in flagged.itertuples()
        if "mouse" not in row.evidence.split(";")
    ] == []


# ---------------------------------------------------------------------------------------------
# Demo expectations: the planted cargo behaves as the reviews report
# ---------------------------------------------------------------------------------------------


def _de(rows):
    return pd.DataFrame(
        [
            {
                "feature_id": f,
                "gene_name": g,
                "baseMean": 100.0,
                "log2FoldChange": lfc,
                "lfcSE": 0.3,
                "pvalue": 1e-6,
                "padj": 1e-4,
                "log2FoldChange_shrunk": lfc * 0.8,
            }
            for f, g, lfc in rows
        ]
    )


@pytest.mark.parametrize(
    "contrast, rna_class, feature, gene_name, planted",
    [
        ("drug_resistance", "mirna", "hsa-miR-222-3p", "", "up"),
        ("drug_resistance", "mirna", "hsa-miR-1246", "", "up"),
        ("drug_resistance", "mirna", "hsa-miR-567", "", "down"),
        ("metastasis", "mirna", "hsa-miR-105-5p", "", "up"),
        ("metastasis", "mirna", "hsa-miR-200c-3p", "", "up"),
        ("metastasis", "mirna", "hsa-miR-130a-3p", "", "down"),
        ("drug_resistance", "lncrna", "gene_H19", "H19", "up"),
        ("drug_resistance", "lncrna", "gene_UCA1", "UCA1", "up"),
        ("drug_resistance", "lncrna", "gene_SNHG14", "SNHG14", "up"),
        ("drug_resistance", "lncrna", "gene_AGAP2-AS1", "AGAP2-AS1", "up"),
        ("drug_resistance", "lncrna", "gene_HOTAIR", "HOTAIR", "up"),
        ("drug_resistance", "mrna", "gene_ABCB1", "ABCB1", "up"),
        ("drug_resistance", "mrna", "gene_CD274", "CD274", "up"),
        ("metastasis", "circrna", "chr1:1000-2000:+", "hsa_circ_0004771", "up"),
        ("metastasis", "circrna", "hsa_circ_0088088", "", "up"),
    ],
)
def test_planted_demo_cargo_is_known_and_behaves_as_reported(
    cat, contrast, rna_class, feature, gene_name, planted
):
    lfc = 2.0 if planted == "up" else -2.0
    table = catalog.annotate(
        _de([(feature, gene_name, lfc)]), rna_class, contrast, cat, 0.05
    )
    fitting = table[(table["context_fits"] == "yes") & table["in_catalog"]]
    assert (fitting["direction_agrees"] == "yes").any(), table[
        ["claim_id", "catalog_direction", "context_fits"]
    ]
    # The same feature moving the other way disagrees with those claims.
    flipped = catalog.annotate(
        _de([(feature, gene_name, -lfc)]), rna_class, contrast, cat, 0.05
    )
    flipped = flipped[flipped["context_fits"] == "yes"]
    assert (flipped["direction_agrees"] == "no").any()
    assert not (flipped["direction_agrees"] == "yes").any()


def test_demo_directions_come_from_stated_claims(cat):
    def directions(canonical_id, context, **extra):
        return set(
            _rows(cat, canonical_id=canonical_id, context=context, **extra)["direction"]
        )

    assert "up" in directions(
        "hsa-miR-222", "drug_resistance", direction_basis="stated"
    )
    assert directions("hsa-miR-567", "drug_resistance") == {"down"}
    assert "up" in directions("hsa-miR-105", "metastasis", direction_basis="stated")
    assert directions("hsa-miR-200c", "biomarker") == {"up"}
    assert directions("hsa-miR-130a-3p", "metastasis") == {"down"}
    # miR-1246 is only inferred up in resistance (review 000) but stated up in metastasis (004).
    assert _rows(cat, canonical_id="hsa-miR-1246", context="drug_resistance")[
        "direction_basis"
    ].tolist() == ["inferred"]
    assert "stated" in set(
        _rows(cat, canonical_id="hsa-miR-1246", context="metastasis")["direction_basis"]
    )


# ---------------------------------------------------------------------------------------------
# Concordance
# ---------------------------------------------------------------------------------------------


CLAIM_UP_DR = {
    "direction": "up",
    "context": "drug_resistance",
    "subcategory": "tamoxifen",
}
CLAIM_DOWN_MET = {
    "direction": "down",
    "context": "metastasis",
    "subcategory": "invasion_migration",
}
CLAIM_UNKNOWN = {
    "direction": "unknown",
    "context": "metastasis",
    "subcategory": "angiogenesis",
}


@pytest.mark.parametrize(
    "log2fc, padj, claim, context, expected",
    [
        (1.5, 0.001, CLAIM_UP_DR, "drug_resistance", ("up", "yes", "yes")),
        (-1.5, 0.001, CLAIM_UP_DR, "drug_resistance", ("down", "no", "yes")),
        (1.5, 0.2, CLAIM_UP_DR, "drug_resistance", ("ns", "not_significant", "yes")),
        (
            1.5,
            math.nan,
            CLAIM_UP_DR,
            "drug_resistance",
            ("ns", "not_significant", "yes"),
        ),
        (
            math.nan,
            0.001,
            CLAIM_UP_DR,
            "drug_resistance",
            ("ns", "not_significant", "yes"),
        ),
        (1.5, 0.001, CLAIM_UP_DR, "metastasis", ("up", "yes", "no")),
        (-0.7, 0.01, CLAIM_DOWN_MET, "metastasis", ("down", "yes", "yes")),
        (0.7, 0.01, CLAIM_DOWN_MET, "drug_resistance", ("up", "no", "no")),
        (2.0, 0.001, CLAIM_UNKNOWN, "metastasis", ("up", "unknown", "yes")),
        (2.0, 0.5, CLAIM_UNKNOWN, "metastasis", ("ns", "unknown", "yes")),
        (
            1.0,
            0.05,
            CLAIM_UP_DR,
            "drug_resistance",
            ("ns", "not_significant", "yes"),
        ),  # padj == alpha is ns
    ],
)
def test_concordance(log2fc, padj, claim, context, expected):
    result = catalog.concordance(log2fc, padj, 0.05, context, claim)
    assert (
        result["observed_direction"],
        result["direction_agrees"],
        result["context_fits"],
    ) == expected


# Claim context -> its subcategories that fit a drug_resistance contrast, a metastasis
# contrast, and neither.
FITS_BY_CONTEXT = {
    "immune": (["immunotherapy"], ["immune_evasion"], ["microenvironment", "exosome_therapy"]),
    "biomarker": (
        ["chemotherapy", "tamoxifen", "trastuzumab"],
        ["metastasis_detection"],
        ["diagnosis", "prognosis"],
    ),
    "drug_resistance": (["exosome_therapy"], [], []),
    "metastasis": ([], ["hypoxia"], []),
}


@pytest.mark.parametrize(
    "context, subcategory, fits_dr, fits_met",
    [
        (context, sub, "yes" if sub in dr else "no", "yes" if sub in met else "no")
        for context, (dr, met, neither) in FITS_BY_CONTEXT.items()
        for sub in dr + met + neither
    ],
)
def test_context_fits_rules_for_immune_and_biomarker_claims(
    context, subcategory, fits_dr, fits_met
):
    claim = {"direction": "up", "context": context, "subcategory": subcategory}
    assert (
        catalog.concordance(1, 0.01, 0.05, "drug_resistance", claim)["context_fits"]
        == fits_dr
    )
    assert (
        catalog.concordance(1, 0.01, 0.05, "metastasis", claim)["context_fits"]
        == fits_met
    )


@pytest.mark.parametrize("claim", [CLAIM_UP_DR, CLAIM_DOWN_MET, CLAIM_UNKNOWN])
def test_a_contrast_of_context_other_fits_no_claim_and_judges_no_direction(claim):
    """Patients vs healthy donors: the claims are listed, their direction not judged."""
    result = catalog.concordance(2.0, 0.001, 0.05, "other", claim)
    assert result == {"observed_direction": "up", "direction_agrees": "not_judged",
                      "context_fits": "no"}


def test_concordance_rejects_unknown_context_and_bad_alpha():
    with pytest.raises(ValueError, match="contrast_context"):
        catalog.concordance(1, 0.01, 0.05, "immune", CLAIM_UP_DR)
    with pytest.raises(ValueError, match="alpha"):
        catalog.concordance(1, 0.01, 0, "metastasis", CLAIM_UP_DR)


# ---------------------------------------------------------------------------------------------
# Annotation
# ---------------------------------------------------------------------------------------------


def _de_table():
    rows = [
        # feature_id, padj, log2FC
        (
            "hsa-miR-21-5p",
            0.30,
            0.4,
        ),  # matched, not significant -> kept, after significant
        (
            "hsa-miR-99a-5p",
            0.002,
            -1.2,
        ),  # significant, not in catalog -> one row, in_catalog False
        ("hsa-miR-222-3p", 0.01, 1.1),  # significant, several claims
        ("hsa-miR-12345-5p", 0.9, 0.1),  # neither -> dropped
        ("hsa-miR-4443", math.nan, 0.0),  # matched, padj NaN -> last
        (
            "hsa-miR-130a-3p",
            0.002,
            -2.0,
        ),  # significant, ties padj with miR-99a -> feature_id order
    ]
    return pd.DataFrame(
        [
            {
                "feature_id": f,
                "gene_name": "",
                "baseMean": 50.0,
                "log2FoldChange": lfc,
                "lfcSE": 0.2,
                "pvalue": p / 10 if p == p else math.nan,
                "padj": p,
                "log2FoldChange_shrunk": math.nan,
            }
            for f, p, lfc in rows
        ]
    )


def test_annotate_rows_columns_and_order(cat):
    table = catalog.annotate(_de_table(), "mirna", "metastasis", cat, 0.05)
    assert list(table.columns) == catalog.ANNOTATION_COLUMNS
    assert table["significant"].dtype == bool and table["in_catalog"].dtype == bool
    assert "hsa-miR-12345-5p" not in set(table["feature_id"])
    features = list(dict.fromkeys(table["feature_id"]))
    assert features == [
        "hsa-miR-130a-3p",
        "hsa-miR-99a-5p",
        "hsa-miR-222-3p",
        "hsa-miR-21-5p",
        "hsa-miR-4443",
    ]
    unmatched = table[table["feature_id"] == "hsa-miR-99a-5p"]
    assert (
        len(unmatched) == 1
        and not unmatched["in_catalog"].iloc[0]
        and unmatched["claim_id"].iloc[0] == ""
    )
    # One row per matched claim, in catalog row order within a feature.
    mir222 = table[table["feature_id"] == "hsa-miR-222-3p"]
    expected_ids = [
        m.claim_id for m in catalog.match_feature("hsa-miR-222-3p", "mirna", cat)
    ]
    assert list(mir222["claim_id"]) == expected_ids and len(expected_ids) >= 4
    assert set(mir222["match_type"]) == {"exact", "arm-agnostic"}
    met = mir222[mir222["catalog_context"] == "metastasis"]
    assert set(met["direction_agrees"]) == {"yes"} and set(met["context_fits"]) == {
        "yes"
    }
    assert set(
        mir222[mir222["catalog_context"] == "drug_resistance"]["context_fits"]
    ) == {"no"}
    mir130 = table[table["feature_id"] == "hsa-miR-130a-3p"].iloc[0]
    assert mir130["catalog_direction"] == "down" and mir130["direction_agrees"] == "yes"
    assert (
        mir130["quote"]
        and mir130["reference"] == "40"
        and mir130["catalog_cargo"] == "miR-130a-3p"
    )
    nan_row = table[table["feature_id"] == "hsa-miR-4443"].iloc[0]
    assert nan_row["observed_direction"] == "ns" and not nan_row["significant"]
    # miR-21 must not pick up miR-210 claims.
    assert not (
        table.loc[table["feature_id"] == "hsa-miR-21-5p", "catalog_id"] == "hsa-miR-210"
    ).any()


def test_annotate_is_deterministic_and_input_order_free(cat):
    de = _de_table()
    first = catalog.annotate(de, "mirna", "drug_resistance", cat, 0.05)
    second = catalog.annotate(
        de.iloc[::-1].reset_index(drop=True), "mirna", "drug_resistance", cat, 0.05
    )
    pd.testing.assert_frame_equal(first, second)


def test_annotate_genes_with_missing_gene_names_and_empty_result(cat):
    result = {
        "baseMean": 10.0,
        "log2FoldChange": 1.0,
        "lfcSE": 0.1,
        "pvalue": 0.5,
        "padj": 0.6,
        "log2FoldChange_shrunk": 0.5,
    }
    de = pd.DataFrame(
        [
            {"feature_id": "ENSG00000130600", "gene_name": "H19", **result},
            {"feature_id": "ENSG00000000003", "gene_name": math.nan, **result},
        ]
    )
    table = catalog.annotate(de, "lncrna", "drug_resistance", cat, 0.05)
    assert set(table["feature_id"]) == {"ENSG00000130600"}
    assert set(table["catalog_id"]) == {"H19"}
    assert set(table["direction_agrees"]) == {"not_significant"}
    empty = catalog.annotate(de.iloc[1:], "lncrna", "drug_resistance", cat, 0.05)
    assert empty.empty and list(empty.columns) == catalog.ANNOTATION_COLUMNS
    with pytest.raises(ValueError, match="lacks column"):
        catalog.annotate(
            de.drop(columns="padj"), "lncrna", "drug_resistance", cat, 0.05
        )


# ---------------------------------------------------------------------------------------------
# Summary command
# ---------------------------------------------------------------------------------------------


def test_summarise_counts_match_the_table(cat):
    text = catalog.summarise(cat)
    assert (
        f"claims: {len(cat)}; distinct molecules (canonical_id): {cat['canonical_id'].nunique()}"
        in text
    )
    for column in ("rna_class", "context", "review"):
        for key, group in cat.groupby(column):
            line = re.search(rf"^{re.escape(key)}\s+(\d+)\s+(\d+)$", text, flags=re.M)
            assert line, key
            assert (int(line[1]), int(line[2])) == (
                len(group),
                group["canonical_id"].nunique(),
            )


def test_summary_command(capsys, tmp_path):
    assert catalog_summary_main([str(CATALOG_PATH)]) == 0
    assert capsys.readouterr().out == catalog.summarise(
        catalog.load_catalog(CATALOG_PATH)
    )
    bad = _write_modified(
        tmp_path, lambda lines: _set_cell(lines, 7, "direction", "sideways")
    )
    assert catalog_summary_main([str(bad)]) == 1
    assert "data row 7" in capsys.readouterr().err


def test_summary_script_runs_from_any_directory(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SUMMARY_SCRIPT), str(CATALOG_PATH)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("exocargo cargo catalog")


def catalog_summary_main(argv):
    import catalog_summary  # workflow/scripts is on the pytest pythonpath

    return catalog_summary.main(argv)

"""Matching of pipeline feature ids to catalog claims: one positive and one negative per rule."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from exocargo import catalog

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cat() -> pd.DataFrame:
    return catalog.load_catalog(REPO / "resources" / "cargo_catalog.tsv")


def _by_id(cat, canonical_id: str) -> set[str]:
    return set(cat.loc[cat["canonical_id"] == canonical_id, "claim_id"])


def _matches(
    feature_id, rna_class, cat, gene_name=None
) -> dict[str, catalog.CatalogMatch]:
    found = catalog.match_feature(feature_id, rna_class, cat, gene_name=gene_name)
    claims = [m.claim_id for m in found]
    assert len(claims) == len(set(claims)), "a claim is reported once per feature"
    return {m.claim_id: m for m in found}


def _types(matches: dict[str, catalog.CatalogMatch], claim_ids: set[str]) -> set[str]:
    return {matches[c].match_type for c in claim_ids if c in matches}


def _mini_catalog(*rows: dict) -> pd.DataFrame:
    """A small catalog for rules the real one has no row for (matching needs no full validation)."""
    schema_columns = list(catalog.load_schema()["properties"])
    filled = []
    for number, row in enumerate(rows, start=1):
        base = {column: "" for column in schema_columns}
        base.update(
            claim_id=f"MET{number:03d}",
            context="metastasis",
            subcategory="invasion_migration",
            direction="unknown",
            direction_basis="none",
            effect="unknown",
        )
        base.update(row)
        filled.append(base)
    return pd.DataFrame(filled, columns=schema_columns, dtype=str)


def _mirna_row(canonical_id, id_type="mirna_arm_unspecified", members=""):
    return {
        "canonical_id": canonical_id,
        "id_type": id_type,
        "rna_class": "miRNA",
        "members": members,
    }


# ---------------------------------------------------------------------------------------------
# miRNA names
# ---------------------------------------------------------------------------------------------


def test_exact_mature_name(cat):
    matches = _matches("hsa-miR-1246", "mirna", cat)
    assert set(matches) == _by_id(cat, "hsa-miR-1246") and len(matches) >= 3
    assert _types(matches, set(matches)) == {"exact"}
    assert _types(
        _matches("hsa-miR-423-5p", "mirna", cat), _by_id(cat, "hsa-miR-423-5p")
    ) == {"exact"}


def test_species_prefix_is_ignored_but_reported(cat):
    stem_rows = _by_id(cat, "hsa-miR-222")
    mouse = _matches("mmu-miR-222-3p", "mirna", cat)
    assert stem_rows <= set(mouse)
    assert all("cross-species" in mouse[c].note for c in stem_rows)
    bare = _matches("miR-222-3p", "mirna", cat)
    assert set(bare) == set(_matches("hsa-miR-222-3p", "mirna", cat))
    assert not any("cross-species" in m.note for m in bare.values())


def test_species_prefix_does_not_hide_a_different_number(cat):
    assert _matches("mmu-miR-2220-3p", "mirna", cat) == {}


def test_arm_feature_matches_arm_unspecified_stem_as_arm_agnostic(cat):
    matches = _matches("hsa-miR-222-3p", "mirna", cat)
    stem_rows, arm_rows = _by_id(cat, "hsa-miR-222"), _by_id(cat, "hsa-miR-222-3p")
    assert stem_rows and arm_rows
    assert _types(matches, stem_rows) == {"arm-agnostic"}
    assert _types(matches, arm_rows) == {"exact"}
    assert all("arm-unspecified" in matches[c].note for c in stem_rows)


def test_other_arm_does_not_match_an_arm_specific_row(cat):
    matches = _matches("hsa-miR-222-5p", "mirna", cat)
    assert _by_id(cat, "hsa-miR-222") <= set(matches)
    assert not (_by_id(cat, "hsa-miR-222-3p") & set(matches))
    # An arm-specific catalog row (miR-130a-3p) never takes the other arm.
    assert _matches("hsa-miR-130a-5p", "mirna", cat) == {}


def test_mir_versus_mir_case(cat):
    lower = _matches("hsa-mir-222-3p", "mirna", cat)
    assert set(lower) == set(_matches("hsa-miR-222-3p", "mirna", cat))
    assert set(_matches("hsa-MIR-21-5p", "mirna", cat)) == set(
        _matches("hsa-miR-21-5p", "mirna", cat)
    )


def test_mir_case_does_not_turn_mir_into_let(cat):
    assert not (
        _by_id(cat, "hsa-let-7a") & set(_matches("hsa-mir-7a-5p", "mirna", cat))
    )


def test_family_stem_matches_lettered_members_and_says_so(cat):
    family_rows = _by_id(cat, "hsa-miR-199")
    for member in ("hsa-miR-199a-3p", "hsa-miR-199b-5p"):
        matches = _matches(member, "mirna", cat)
        assert set(matches) == family_rows
        assert _types(matches, family_rows) == {"family"}
        note = matches[next(iter(family_rows))].note
        assert "family miR-199 without a letter" in note and member[4:] in note
    assert _types(
        _matches("hsa-miR-301b-3p", "mirna", cat), _by_id(cat, "hsa-miR-301")
    ) == {"family"}


def test_family_rule_needs_a_family_row(cat):
    # miR-122 exists letterless in miRBase 22, so the catalog's miR-122 is one miRNA, not a family.
    assert _matches("hsa-miR-122b-3p", "mirna", cat) == {}
    # A letter-specific feature never matches another letter.
    assert not (
        _by_id(cat, "hsa-miR-130a-3p") & set(_matches("hsa-miR-130b-3p", "mirna", cat))
    )
    # A family row does not match a different number.
    assert not (
        _by_id(cat, "hsa-miR-199") & set(_matches("hsa-miR-19a-3p", "mirna", cat))
    )


def test_let7_members(cat):
    let7a = _matches("hsa-let-7a-5p", "mirna", cat)
    assert set(let7a) == _by_id(cat, "hsa-let-7a") and _types(let7a, set(let7a)) == {
        "arm-agnostic"
    }
    let7i = _matches("hsa-let-7i-3p", "mirna", cat)
    assert set(let7i) == _by_id(cat, "hsa-let-7i")


def test_let7_members_do_not_cross(cat):
    assert _matches("hsa-let-7b-5p", "mirna", cat) == {}
    assert not (
        _by_id(cat, "hsa-let-7a") & set(_matches("hsa-let-7i-5p", "mirna", cat))
    )


def test_numbered_paralog_loci(cat):
    matches = _matches("hsa-let-7a-2-3p", "mirna", cat)
    assert set(matches) == _by_id(cat, "hsa-let-7a")
    assert _types(matches, set(matches)) == {"paralog"}
    assert all("paralogous locus let-7a-2" in m.note for m in matches.values())
    assert _types(
        _matches("hsa-miR-181a-2-3p", "mirna", cat), _by_id(cat, "hsa-miR-181a")
    ) == {"paralog"}
    # miR-16-5p is made by both miR-16-1 and miR-16-2: a catalog row naming locus 1 still matches it.
    mini = _mini_catalog(_mirna_row("hsa-miR-16-1"))
    shared = _matches("hsa-miR-16-5p", "mirna", mini)
    assert (
        shared["MET001"].match_type == "paralog"
        and "shared by the paralogous loci" in shared["MET001"].note
    )
    assert (
        _matches("hsa-miR-16-1-3p", "mirna", mini)["MET001"].match_type
        == "arm-agnostic"
    )


def test_numbered_paralogs_do_not_cross(cat):
    mini = _mini_catalog(_mirna_row("hsa-miR-16-1-3p", "mirna_mature"))
    assert _matches("hsa-miR-16-2-3p", "mirna", mini) == {}
    # The catalog's miR-16-5p (sponged by SNHG16) is not the -3p arm of either locus.
    assert not (
        _by_id(cat, "hsa-miR-16-5p") & set(_matches("hsa-miR-16-1-3p", "mirna", cat))
    )
    assert _matches("hsa-miR-161", "mirna", cat) == {}


@pytest.mark.parametrize(
    "feature, must_not_hit",
    [
        ("hsa-miR-210-3p", "hsa-miR-21"),
        ("hsa-miR-210-5p", "hsa-miR-21"),
        ("hsa-miR-21-5p", "hsa-miR-210"),
        ("hsa-miR-99a-5p", "hsa-miR-9"),
        ("hsa-miR-9-5p", "hsa-miR-99"),
        ("hsa-miR-1224-5p", "hsa-miR-122"),
        ("hsa-miR-122-5p", "hsa-miR-1224"),
        ("hsa-miR-1246", "hsa-miR-124"),
        ("hsa-miR-155-5p", "hsa-miR-15"),
        ("hsa-let-7b-5p", "hsa-let-7a"),
    ],
)
def test_prefix_lookalikes_never_match(cat, feature, must_not_hit):
    hit_ids = {
        cat.set_index("claim_id").loc[c, "canonical_id"]
        for c in _matches(feature, "mirna", cat)
    }
    assert not any(
        catalog.parse_mirna(h)[1:4] == catalog.parse_mirna(must_not_hit)[1:4]
        for h in hit_ids
    )


def test_prefix_lookalikes_against_a_catalog_that_has_both(cat):
    mini = _mini_catalog(
        _mirna_row("hsa-miR-21"),
        _mirna_row("hsa-miR-210"),
        _mirna_row("hsa-miR-9"),
        _mirna_row("hsa-miR-99a"),
        _mirna_row("hsa-miR-122"),
        _mirna_row("hsa-miR-1224"),
    )
    assert set(_matches("hsa-miR-21-5p", "mirna", mini)) == {"MET001"}
    assert set(_matches("hsa-miR-210-3p", "mirna", mini)) == {"MET002"}
    assert set(_matches("hsa-miR-9-5p", "mirna", mini)) == {"MET003"}
    assert set(_matches("hsa-miR-99a-5p", "mirna", mini)) == {"MET004"}
    assert set(_matches("hsa-miR-122-5p", "mirna", mini)) == {"MET005"}
    assert set(_matches("hsa-miR-1224-5p", "mirna", mini)) == {"MET006"}


def test_merged_feature_matches_each_component(cat):
    merged = _matches("hsa-miR-199a-3p/hsa-miR-199b-3p", "mirna", cat)
    assert set(merged) == _by_id(cat, "hsa-miR-199")
    assert all(
        "components hsa-miR-199a-3p, hsa-miR-199b-3p of merged feature" in m.note
        for m in merged.values()
    )
    # Components naming different catalog miRNAs each bring their own claims, best type per claim.
    mixed = _matches("hsa-miR-222-3p/hsa-miR-567", "mirna", cat)
    assert set(mixed) == set(_matches("hsa-miR-222-3p", "mirna", cat)) | _by_id(
        cat, "hsa-miR-567"
    )
    assert mixed[next(iter(_by_id(cat, "hsa-miR-222-3p")))].match_type == "exact"


def test_merged_feature_without_catalog_components(cat):
    assert _matches("hsa-miR-99a-5p/hsa-miR-100-5p", "mirna", cat) == {}


def test_results_come_in_catalog_row_order(cat):
    order = {claim: pos for pos, claim in enumerate(cat["claim_id"])}
    found = [m.claim_id for m in catalog.match_feature("hsa-miR-155-5p", "mirna", cat)]
    assert len(found) >= 8
    assert found == sorted(found, key=order.__getitem__)


# ---------------------------------------------------------------------------------------------
# lncRNA and protein-coding genes
# ---------------------------------------------------------------------------------------------


def test_lncrna_by_symbol_alias_and_feature_id(cat):
    h19 = _by_id(cat, "H19")
    assert _types(_matches("ENSG00000130600", "lncrna", cat, gene_name="H19"), h19) == {
        "exact"
    }
    by_alias = _matches("ENSG00000130600", "lncrna", cat, gene_name="lncRNA-H19")
    assert set(by_alias) == h19 and _types(by_alias, h19) == {"alias"}
    by_id = _matches("gene_H19", "lncrna", cat, gene_name="")
    assert set(by_id) == h19 and "feature_id" in by_id[next(iter(h19))].note
    assert set(_matches("x", "lncrna", cat, gene_name="lncRNA GS1- 600G8.5")) == _by_id(
        cat, "GS1-600G8.5"
    )
    assert set(_matches("x", "lncrna", cat, gene_name="Lnc-BM")) == _by_id(
        cat, "Lnc-BM"
    )


def test_spelling_variants_without_catalog_aliases():
    # Hyphens, spaces, case and a leading "lncRNA" are spelling, not identity.
    mini = _mini_catalog(
        {"canonical_id": "AGAP2-AS1", "id_type": "hgnc_symbol", "rna_class": "lncRNA"},
        {
            "canonical_id": "UCHL1",
            "id_type": "hgnc_symbol",
            "rna_class": "mRNA/protein",
        },
        {
            "canonical_id": "CD274",
            "id_type": "hgnc_symbol",
            "rna_class": "mRNA/protein",
            "aliases": "PD-L1",
        },
    )
    assert (
        _matches("x", "lncrna", mini, gene_name="lncRNA AGAP2AS1")["MET001"].match_type
        == "alias"
    )
    assert (
        _matches("x", "lncrna", mini, gene_name="agap2-as1")["MET001"].match_type
        == "exact"
    )
    assert (
        _matches("x", "mrna", mini, gene_name="UCH-L1")["MET002"].match_type == "alias"
    )
    assert _matches("x", "mrna", mini, gene_name="PDL1")["MET003"].match_type == "alias"
    assert _matches("x", "mrna", mini, gene_name="UCHL11") == {}


def test_lncrna_lookalikes_do_not_match(cat):
    for name in ("HOTAIRM1", "SNHG1", "SNHG140", "UCA", "H1", "H19-AS1", "XIST-AS1"):
        assert _matches("ENSG_x", "lncrna", cat, gene_name=name) == {}, name


def test_protein_names_and_gene_symbols(cat):
    cd274 = _by_id(cat, "CD274")
    assert set(_matches("ENSG00000120217", "mrna", cat, gene_name="CD274")) == cd274
    assert _types(
        _matches("ENSG00000120217", "mrna", cat, gene_name="CD274"), cd274
    ) == {"exact"}
    assert _types(_matches("x", "mrna", cat, gene_name="PD-L1"), cd274) == {"alias"}
    assert set(_matches("x", "mrna", cat, gene_name="P-gp")) == _by_id(cat, "ABCB1")
    assert set(_matches("x", "mrna", cat, gene_name="survivin")) == _by_id(cat, "BIRC5")
    assert set(_matches("x", "mrna", cat, gene_name="UCH-L1")) == _by_id(cat, "UCHL1")


def test_protein_lookalikes_do_not_match(cat):
    for name in ("CD27", "CD2740", "ABCB11", "ABCB", "TRPC", "ENO", "MTA", "PD-L2"):
        assert _matches("x", "mrna", cat, gene_name=name) == {}, name


def test_gene_family_members(cat):
    fgfr = _by_id(cat, "FGFR")
    matches = _matches("x", "mrna", cat, gene_name="FGFR2")
    assert set(matches) == fgfr and _types(matches, fgfr) == {"family"}
    assert "feature is member FGFR2" in matches[next(iter(fgfr))].note
    tgfb1 = _matches("x", "mrna", cat, gene_name="TGFB1")
    assert _types(tgfb1, _by_id(cat, "TGFB1")) == {"exact"} and _types(
        tgfb1, _by_id(cat, "TGFB")
    ) == {"family"}
    assert _types(
        _matches("x", "mrna", cat, gene_name="HLA-B"), _by_id(cat, "HLA class I")
    ) == {"family"}


def test_gene_family_lookalikes_do_not_match(cat):
    for name in ("FGFRL1", "FGFR1OP", "TGFBI", "TGFBR3L"):
        assert _matches("x", "mrna", cat, gene_name=name) == {}, name


def test_class_mismatch_is_reported_not_blocked(cat):
    # A gene the pipeline counts as lncRNA still finds protein claims, with a note.
    matches = _matches("x", "lncrna", cat, gene_name="CD274")
    assert set(matches) == _by_id(cat, "CD274")
    assert all("feature counted as lncrna" in m.note for m in matches.values())


# ---------------------------------------------------------------------------------------------
# circRNAs
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "feature_id, gene_name, match_type",
    [
        ("hsa_circ_0004771", "", "exact"),
        ("circ_0004771", "", "alias"),
        ("hsa-circRNA-0004771", "", "alias"),
        ("chr1:1000-2000:+", "hsa_circ_0004771", "exact"),
        ("chr1:1000-2000:+", "circ_0004771", "alias"),
    ],
)
def test_circbase_spellings(cat, feature_id, gene_name, match_type):
    matches = _matches(feature_id, "circrna", cat, gene_name=gene_name)
    assert set(matches) == _by_id(cat, "hsa_circ_0004771")
    assert _types(matches, set(matches)) == {match_type}


def test_circbase_padding_variant_from_the_review(cat):
    # The review writes hsa-circRNA-00005795 (eight digits) for hsa_circ_0005795.
    assert set(_matches("hsa_circ_0005795", "circrna", cat)) == _by_id(
        cat, "hsa_circ_0005795"
    )
    assert set(_matches("hsa-circRNA-0088088", "circrna", cat)) == _by_id(
        cat, "hsa_circ_0088088"
    )
    # Without catalog aliases to lean on, spelling and zero-padding are normalised by the matcher.
    mini = _mini_catalog(
        {
            "canonical_id": "hsa_circ_0005795",
            "id_type": "circbase",
            "rna_class": "circRNA",
        }
    )
    for spelling in (
        "hsa-circRNA-00005795",
        "circ_5795",
        "HSA_CIRC_0005795",
        "circRNA0005795",
    ):
        assert (
            _matches(spelling, "circrna", mini)["MET001"].match_type == "alias"
        ), spelling
    assert catalog.normalise_circ_id("hsa-circRNA-00005795") == "hsa_circ_0005795"
    assert catalog.normalise_circ_id("chr1:1000-2000:+") is None


@pytest.mark.parametrize(
    "feature_id, gene_name",
    [
        ("hsa_circ_0004772", ""),
        ("hsa_circ_00047710", ""),
        ("mmu_circ_0004771", ""),
        ("chr1:1000-2000:+", ""),
        ("chr1:1000-2000:+", "DDAH1"),
    ],
)
def test_circ_lookalikes_do_not_match(cat, feature_id, gene_name):
    assert _matches(feature_id, "circrna", cat, gene_name=gene_name) == {}


# ---------------------------------------------------------------------------------------------
# Class separation and arguments
# ---------------------------------------------------------------------------------------------


def test_classes_do_not_leak(cat):
    assert _matches("H19", "mirna", cat) == {}
    assert _matches("x", "mrna", cat, gene_name="hsa-miR-222") == {}
    assert _matches("hsa-miR-222-3p", "circrna", cat) == {}
    assert _matches("x", "lncrna", cat, gene_name="hsa_circ_0004771") == {}


def test_unknown_rna_class_is_an_error(cat):
    with pytest.raises(ValueError, match="rna_class must be one of"):
        catalog.match_feature("hsa-miR-21-5p", "miRNA", cat)


def test_match_is_a_frozen_dataclass(cat):
    match = catalog.match_feature("hsa-miR-1246", "mirna", cat)[0]
    with pytest.raises(AttributeError):
        match.claim_id = "X"  # type: ignore[misc]

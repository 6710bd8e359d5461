"""Assignment of hairpin alignments to mature arms, on the real miRBase 22 references."""

from pathlib import Path

import pytest

from exocargo import mirna

MIRBASE = Path(__file__).resolve().parents[1] / "resources" / "mirbase"


@pytest.fixture(scope="module")
def arms_table():
    table, notes = mirna.mature_arms(
        MIRBASE / "hsa_hairpin.v22.fa",
        MIRBASE / "hsa_mature.v22.fa",
        MIRBASE / "hsa.v22.gff3",
        "hsa",
    )
    return table


def test_every_human_mature_sequence_is_placed(arms_table):
    # 2,656 mature names in miRBase 22, 16 groups of identical sequences -> 2,632 features
    assert arms_table["mature"].nunique() == 2656
    assert arms_table["feature_id"].nunique() == 2632


def test_arm_coordinates_match_sequences(arms_table):
    hairpins = {n: s for n, _, s in mirna.read_fasta(MIRBASE / "hsa_hairpin.v22.fa")}
    mature = {n: s for n, _, s in mirna.read_fasta(MIRBASE / "hsa_mature.v22.fa")}
    for row in arms_table.itertuples():
        assert hairpins[row.hairpin][row.start : row.end] == mature[row.mature]
    row = arms_table[arms_table["mature"] == "hsa-miR-222-3p"].iloc[0]
    assert row.hairpin == "hsa-mir-222"


def test_identical_mature_sequences_are_merged(arms_table):
    merged = arms_table.loc[arms_table["mature"] == "hsa-miR-199b-3p", "feature_id"]
    assert set(merged) == {"hsa-miR-199a-3p/hsa-miR-199b-3p"}
    single = arms_table.loc[arms_table["mature"] == "hsa-miR-16-5p", "hairpin"]
    assert set(single) == {"hsa-mir-16-1", "hsa-mir-16-2"}


def test_mismatch_positions_from_md():
    assert mirna.mismatch_positions("22") == []
    assert mirna.mismatch_positions("5A10G3") == [5, 16]
    assert mirna.mismatch_positions("0C20A0") == [0, 21]
    with pytest.raises(ValueError, match="deletion"):
        mirna.mismatch_positions("5^AC10")


def test_nontemplated_tail_split():
    assert mirna.split_nontemplated([21, 22], 23, 3) == (2, 0)
    assert mirna.split_nontemplated([4, 22], 23, 3) == (1, 1)
    assert mirna.split_nontemplated([20, 21, 22], 23, 2) == (2, 1)


ARMS = [mirna.Arm("miR-x-5p", 5, 27), mirna.Arm("miR-x-3p", 45, 67)]
RULES = mirna.IsomirRules()


def test_assign_canonical_and_isomirs():
    assert mirna.assign(ARMS, 5, 22, [], RULES) == ("miR-x-5p", "canonical")
    assert mirna.assign(ARMS, 6, 21, [], RULES) == ("miR-x-5p", "5p")
    assert mirna.assign(ARMS, 5, 19, [], RULES) == ("miR-x-5p", "3p")
    assert mirna.assign(ARMS, 5, 24, [22, 23], RULES) == ("miR-x-5p", "nta")
    assert mirna.assign(ARMS, 45, 22, [10], RULES) == ("miR-x-3p", "snp")


def test_assign_rejects_reads_beyond_tolerance():
    assert mirna.assign(ARMS, 8, 19, [], RULES) is None  # 5' end 3 nt off
    assert mirna.assign(ARMS, 30, 20, [], RULES) is None  # loop fragment
    assert mirna.assign(ARMS, 5, 22, [3, 10], RULES) is None  # two internal mismatches


def collapsed_alignments(*rows):
    return [mirna.Alignment(r, h, s, n, md) for r, h, s, n, md in rows]


def test_quantify_counts_multilocus_once_and_splits_ambiguous():
    arms = {
        "mir-16-1": [mirna.Arm("miR-16-5p", 10, 32)],
        "mir-16-2": [mirna.Arm("miR-16-5p", 8, 30)],
        "mir-a": [mirna.Arm("miR-a", 0, 22)],
        "mir-b": [mirna.Arm("miR-b", 0, 22)],
    }
    alignments = collapsed_alignments(
        ("s1_x10", "mir-16-1", 10, 22, "22"),
        ("s1_x10", "mir-16-2", 8, 22, "22"),
        ("s2_x4", "mir-a", 0, 22, "22"),
        ("s2_x4", "mir-b", 0, 22, "22"),
        ("s3_x5", "mir-a", 40, 20, "20"),
    )
    counts, isomirs, unassigned = mirna.quantify(
        alignments, arms, RULES, lambda name: int(name.split("_x")[1])
    )
    assert counts == {"miR-16-5p": 10, "miR-a": 2, "miR-b": 2}
    assert unassigned == 5
    assert isomirs[("miR-16-5p", "canonical")] == 10


def test_quantify_requires_bowtie_order():
    alignments = collapsed_alignments(
        ("s1_x1", "mir-a", 0, 22, "22"),
        ("s2_x1", "mir-a", 0, 22, "22"),
        ("s1_x1", "mir-b", 0, 22, "22"),
    )
    with pytest.raises(ValueError, match="not consecutive"):
        mirna.quantify(alignments, {}, RULES, lambda name: 1)


def test_fasta_errors_name_the_record(tmp_path):
    bad = tmp_path / "dup.fa"
    bad.write_text(">a\nACGT\n>b\nACGU\n>a\nGGGG\n")
    with pytest.raises(mirna.ReferenceFileError, match=r"line 5: duplicate FASTA id 'a'"):
        list(mirna.read_fasta(bad))
    notfasta = tmp_path / "reads.fq"
    notfasta.write_text("@r1\nACGT\n+\nIIII\n")
    with pytest.raises(mirna.ReferenceFileError, match="sequence before the first"):
        list(mirna.read_fasta(notfasta))


def test_arms_read_without_pandas_equal_the_pandas_grouping(arms_table, tmp_path):
    import pandas as pd

    path = tmp_path / "arms.tsv"
    arms_table.to_csv(path, sep="\t", index=False)
    assert mirna.read_arms(path) == mirna.arms_by_hairpin(pd.read_csv(path, sep="\t"))
    bad = tmp_path / "bad.tsv"
    bad.write_text("hairpin\tmature\nhsa-mir-1\thsa-miR-1\n")
    with pytest.raises(mirna.ReferenceFileError, match="missing column"):
        mirna.read_arms(bad)


def test_quantify_keeps_the_most_canonical_class_whatever_the_locus_order():
    arms = {"mir-1-1": [mirna.Arm("miR-1", 10, 32)], "mir-1-2": [mirna.Arm("miR-1", 10, 32)]}
    loci = [("s1_x6", "mir-1-1", 10, 24, "23A0"),  # 1 nt longer, then a 1 nt tail: 3p+nta
            ("s1_x6", "mir-1-2", 10, 24, "24")]  # 2 nt longer on this locus: 3p
    assert mirna.assign(arms["mir-1-1"], 10, 24, [23], RULES) == ("miR-1", "3p+nta")
    for order in (loci, loci[::-1]):
        _, isomirs, _ = mirna.quantify(
            collapsed_alignments(*order), arms, RULES, lambda name: int(name.split("_x")[1])
        )
        assert isomirs == {("miR-1", "3p"): 6}

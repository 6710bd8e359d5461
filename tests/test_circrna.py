"""Back-splice calling: hand-built STAR chimeric lines, a hand-built BAM, and a real STAR run
on simulated reads whose truth is known fragment by fragment."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest

import simulate_longrna as sim
from exocargo import circrna, star
from exocargo.io import read_yaml

# A toy circle used by the hand-built lines: chr1:1000-1300 (BED), plus strand.
S, E = 1000, 1300


def line(*fields):
    """One Chimeric.out.junction line (14 columns) from donor chrom, position and strand,
    acceptor chrom, position and strand, junction type, read name, then start and CIGAR
    of each segment; both repeat lengths 0."""
    *junction, name, start1, cigar1, start2, cigar2 = fields
    assert len(junction) == 7
    return "\t".join(str(f) for f in (*junction, 0, 0, name, start1, cigar1, start2, cigar2))


def split_minus(name="f1", s=S, e=E, chrom="chr1", kind=2, cigar1="30S30M", cigar2=None):
    """A split fragment as STAR reports it in a reverse-stranded library, RNA on "+".

    Read 1 aligns on "-": STAR reports the "-" orientation, donor at the circle start, and
    the motif is CT/AC on "-" (type 2). Segment 1: 30 bases of the crossing read at the
    circle start; segment 2: the other read inside the circle, then the crossing read's
    other 30 bases at the circle end.
    """
    cigar2 = cigar2 or "60M10p30M30S"
    return line(chrom, s, "-", chrom, e + 1, "-", kind, name, s + 1, cigar1, e - 99, cigar2)


def mates_minus(name="m1", seg1=(S + 10, "60M"), seg2=(S + 200, "60M"), chrom="chr1"):
    """A mate-spanning fragment (type -1), read 1 on "-" near the circle start."""
    (start1, cigar1), (start2, cigar2) = seg1, seg2
    blocks2 = circrna.parse_cigar(start2 + 1, cigar2)
    end2 = blocks2[-1]["blocks"][-1].end
    return line(
        chrom, start1, "-", chrom, end2 + 1, "-", -1, name, start1 + 1, cigar1, start2 + 1, cigar2
    )


def table(*lines):
    """Parse lines as read_chimeric_junctions would."""
    rows = [ln.split("\t") for ln in lines]
    frame = pd.DataFrame(rows, columns=list(circrna.JUNCTION_COLUMNS))
    for column in circrna._INT_COLUMNS:
        frame[column] = frame[column].astype(np.int64)
    return frame


def status_of(frame, name):
    row = frame.set_index("read_name").loc[name]
    return row["status"], (row["chrom"], row["start"], row["end"], row["strand"])


# ---------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------
def test_read_chimeric_junctions_skips_comments_and_header(tmp_path):
    path = tmp_path / "Chimeric.out.junction"
    # the column header STAR 2.7 writes with --chimMultimapNmax > 0
    header = "\t".join(
        "chr_donorA brkpt_donorA strand_donorA chr_acceptorB brkpt_acceptorB strand_acceptorB "
        "junction_type repeat_left_lenA repeat_right_lenB read_name start_alnA cigar_alnA "
        "start_alnB cigar_alnB num_chim_aln".split()
    )
    extra = split_minus("g") + "\t1\t120\t59\t118\t118\t0"
    path.write_text(f"{header}\n{split_minus('f')}\n{extra}\n# 2.7.10b   STAR --chim\n# Nreads 8\n")
    frame = circrna.read_chimeric_junctions(path)
    assert list(frame.columns) == list(circrna.JUNCTION_COLUMNS)
    assert frame["read_name"].tolist() == ["f", "g"]
    assert frame["donor_pos"].tolist() == [S, S] and frame["junction_type"].tolist() == [2, 2]


def test_read_chimeric_junctions_rejects_short_lines(tmp_path):
    path = tmp_path / "bad.junction"
    path.write_text("chr1\t100\t+\tchr1\t50\t+\t1\n")
    with pytest.raises(ValueError, match="bad.junction, line 1: 7 tab-separated columns"):
        circrna.read_chimeric_junctions(path)


def test_empty_junction_file_gives_empty_tables(tmp_path):
    path = tmp_path / "Chimeric.out.junction"
    path.write_text("# Nreads 0\tNreadsUnique 0\tNreadsMulti 0\n")
    fragments = circrna.classify_junctions(circrna.read_chimeric_junctions(path))
    assert fragments.empty and list(fragments.columns) == circrna.FRAGMENT_COLUMNS
    assert circrna.count_backsplices(fragments).empty


def test_parse_cigar_splits_mates_and_keeps_clips():
    mates = circrna.parse_cigar(101, "14S46M114p4M235N56M")
    assert [m["blocks"] for m in mates] == [[(100, 146)], [(260, 264), (499, 555)]]
    assert [m["aligned"] for m in mates] == [46, 60]
    assert (mates[0]["clip_left"], mates[0]["clip_right"]) == (14, 0)
    overlap = circrna.parse_cigar(1, "10S50M-20p60M")
    assert [m["blocks"] for m in overlap] == [[(0, 50)], [(30, 90)]]
    assert overlap[0]["clip_left"] == 10
    right = circrna.parse_cigar(1, "40M20S")
    assert right[0]["clip_right"] == 20 and right[0]["clip_left"] == 0
    with pytest.raises(ValueError, match="not a chimeric CIGAR"):
        circrna.parse_cigar(1, "60Q")


def test_backsplice_interval_is_the_same_circle_in_either_orientation():
    assert circrna.backsplice_interval("-", S, E + 1) == (S, E)
    assert circrna.backsplice_interval("+", E + 1, S) == (S, E)
    # A forward splice (donor upstream of the acceptor) gives start >= end.
    start, end = circrna.backsplice_interval("+", S, E + 1)
    assert start >= end


# ---------------------------------------------------------------------------------------
# Split fragments
# ---------------------------------------------------------------------------------------
def test_split_fragment_gives_bed_coordinates_and_motif_strand():
    frame = circrna.classify_junctions(table(split_minus("f1")), "reverse")
    assert status_of(frame, "f1") == ("bsj", ("chr1", S, E, "+"))
    # Minus-strand RNA: read 1 on "+", CT/AC on "+" (type 2), donor at the circle end.
    minus = line(
        "chr1", E + 1, "+", "chr1", S, "+", 2, "f2", E - 99, "60M10p30M30S", S + 1, "30S30M"
    )
    frame = circrna.classify_junctions(table(minus), "reverse")
    assert status_of(frame, "f2") == ("bsj", ("chr1", S, E, "-"))


def test_motif_type_1_gives_the_reported_strand_in_a_forward_library():
    forward = line(
        "chr1", E + 1, "+", "chr1", S, "+", 1, "f", E - 99, "60M10p30M30S", S + 1, "30S30M"
    )
    frame = circrna.classify_junctions(table(forward), "forward")
    assert status_of(frame, "f") == ("bsj", ("chr1", S, E, "+"))
    # The same line contradicts a reverse-stranded library: read 1 on "+" means RNA on "-".
    frame = circrna.classify_junctions(table(forward), "reverse")
    assert status_of(frame, "f")[0] == "strand_conflict"
    # Unstranded: the motif alone decides.
    frame = circrna.classify_junctions(table(forward), "none")
    assert status_of(frame, "f") == ("bsj", ("chr1", S, E, "+"))


@pytest.mark.parametrize(
    "junction, reason",
    [
        (
            line(
                "chr1", S, "-", "chr2", E + 1, "-", 2, "x", S + 1, "30S30M", E - 99, "60M10p30M30S"
            ),
            "different_chromosomes",
        ),
        (
            line(
                "chr1", S, "-", "chr1", E + 1, "+", 2, "x", S + 1, "30S30M", E - 99, "60M10p30M30S"
            ),
            "different_strands",
        ),
        # Donor upstream of the acceptor: a forward splice (read-through, long intron).
        (
            line(
                "chr1", E + 1, "-", "chr1", S, "-", 2, "x", E + 2, "30S30M", S - 99, "60M10p30M30S"
            ),
            "forward_splice",
        ),
        (split_minus("x", kind=0), "non_canonical"),
        (split_minus("x", e=S + 60, cigar2="30M30S"), "span"),
        (split_minus("x", e=S + 150_000), "span"),
        # The crossing read has 10 bases on one side: too short to place the junction.
        (split_minus("x", cigar1="50S10M", cigar2="60M10p50M10S"), "anchor"),
        # The other read lies outside the circle.
        (
            line(
                "chr1", S, "-", "chr1", E + 1, "-", 2, "x", S + 1, "30S30M", E - 29, "30M30S200p60M"
            ),
            "outside_circle",
        ),
    ],
)
def test_split_fragments_that_are_not_back_splices(junction, reason):
    frame = circrna.classify_junctions(table(junction), "reverse")
    assert status_of(frame, "x")[0] == reason
    assert circrna.count_backsplices(frame).empty


def test_span_limits_are_inclusive_and_configurable():
    near = split_minus("x", e=S + 100, cigar2="30M10p30M30S")
    assert status_of(circrna.classify_junctions(table(near)), "x")[0] == "bsj"
    frame = circrna.classify_junctions(table(split_minus("x")), min_span=301)
    assert status_of(frame, "x")[0] == "span"
    frame = circrna.classify_junctions(table(split_minus("x")), max_span=299)
    assert status_of(frame, "x")[0] == "span"


def test_anchor_is_measured_on_the_crossing_read_only():
    # 20 + 40 on the crossing read passes; the other read's 60 bases do not help a 19.
    ok = split_minus("ok", cigar1="40S20M", cigar2="60M10p20M40S")
    short = split_minus("short", cigar1="41S19M", cigar2="60M10p19M41S")
    frame = circrna.classify_junctions(table(ok, short))
    assert status_of(frame, "ok")[0] == "bsj"
    assert status_of(frame, "short")[0] == "anchor"
    assert status_of(circrna.classify_junctions(table(short), min_anchor=15), "short")[0] == "bsj"


def test_a_fragment_counts_once():
    frame = circrna.classify_junctions(table(split_minus("f"), split_minus("f"), split_minus("g")))
    counts = circrna.count_backsplices(frame)
    assert counts[
        ["chrom", "start", "end", "strand", "bsj", "bsj_split", "bsj_mates"]
    ].values.tolist() == [["chr1", S, E, "+", 2, 2, 0]]


def test_one_fragment_with_two_back_splices_is_ambiguous():
    frame = circrna.classify_junctions(table(split_minus("f"), split_minus("f", e=E + 50)))
    assert status_of(frame, "f")[0] == "ambiguous"
    assert circrna.count_backsplices(frame).empty


# ---------------------------------------------------------------------------------------
# Mate-spanning fragments
# ---------------------------------------------------------------------------------------
def test_mate_spanning_fragment_needs_a_split_supported_circle():
    alone = circrna.classify_junctions(table(mates_minus("m")))
    assert status_of(alone, "m")[0] == "unsupported"
    frame = circrna.classify_junctions(table(split_minus("f"), mates_minus("m")))
    assert status_of(frame, "m") == ("bsj", ("chr1", S, E, "+"))
    counts = circrna.count_backsplices(frame)
    assert counts[["bsj", "bsj_split", "bsj_mates"]].values.tolist() == [[2, 1, 1]]


def test_mate_spanning_fragment_goes_to_the_smallest_fitting_circle():
    outer = split_minus("outer", s=S - 100, e=E + 100)
    frame = circrna.classify_junctions(table(outer, split_minus("inner"), mates_minus("m")))
    assert status_of(frame, "m") == ("bsj", ("chr1", S, E, "+"))
    # Reads outside the inner circle fit only the outer one.
    wide = mates_minus("w", seg1=(S - 50, "60M"))
    frame = circrna.classify_junctions(table(outer, split_minus("inner"), wide))
    assert status_of(frame, "w") == ("bsj", ("chr1", S - 100, E + 100, "+"))


def test_cohort_support_keeps_nested_fragments_in_their_circle():
    outer = split_minus("outer", s=S - 100, e=E + 100)
    # This sample has split reads for the outer circle only: the fragment goes there...
    frame = circrna.classify_junctions(table(outer, mates_minus("m")))
    assert status_of(frame, "m") == ("bsj", ("chr1", S - 100, E + 100, "+"))
    # ...unless another sample's split reads support the inner circle.
    inner = pd.DataFrame([("chr1", S, E, "+")], columns=circrna.CIRCLE_COLUMNS)
    frame = circrna.classify_junctions(table(outer, mates_minus("m")), support=inner)
    assert status_of(frame, "m") == ("bsj", ("chr1", S, E, "+"))
    # Support alone makes no call: a circle needs fragments.
    frame = circrna.classify_junctions(table(split_minus("x", kind=0)), support=inner)
    assert circrna.count_backsplices(frame).empty


def test_split_supported_is_the_union_of_split_evidence():
    a = pd.DataFrame(
        [("chr1", 5, 500, "+", 2, 1), ("chr1", 5, 900, "+", 0, 4)],
        columns=[*circrna.CIRCLE_COLUMNS, "bsj_split", "bsj_mates"],
    )
    b = pd.DataFrame(
        [("chr1", 5, 500, "+", 1, 0), ("chr1", 1, 300, "-", 3, 0)],
        columns=[*circrna.CIRCLE_COLUMNS, "bsj_split", "bsj_mates"],
    )
    union = circrna.split_supported({"a": a, "b": b})
    assert union.values.tolist() == [["chr1", 1, 300, "-"], ["chr1", 5, 500, "+"]]
    assert circrna.split_supported([]).empty


def test_mate_spanning_reads_reaching_past_the_circle_edge_do_not_count():
    support = split_minus("f")
    clipped = mates_minus("clip", seg1=(S, "2S58M"))  # 2 bases across the junction, clipped
    extended = mates_minus("ext", seg1=(S - 2, "60M"))  # aligned 2 bases past the edge
    inner_clip = mates_minus("ok", seg2=(S + 200, "57M3S"))  # clip far from the edge
    frame = circrna.classify_junctions(table(support, clipped, extended, inner_clip))
    assert status_of(frame, "clip")[0] == "anchor"
    assert status_of(frame, "ext")[0] == "anchor"
    assert status_of(frame, "ok")[0] == "bsj"


def test_mate_spanning_strand_follows_the_library():
    support_plus = split_minus("f")
    mates = mates_minus("m")  # read 1 on "-": RNA on "+" (reverse) or "-" (forward)
    assert (
        status_of(circrna.classify_junctions(table(support_plus, mates), "reverse"), "m")[0]
        == "bsj"
    )
    assert (
        status_of(circrna.classify_junctions(table(support_plus, mates), "forward"), "m")[0]
        == "unsupported"
    )
    support_minus = line(
        "chr1", E + 1, "+", "chr1", S, "+", 2, "g", E - 99, "60M10p30M30S", S + 1, "30S30M"
    )
    both = table(support_plus, support_minus, mates)
    assert status_of(circrna.classify_junctions(both, "none"), "m")[0] == "ambiguous"
    assert (
        status_of(circrna.classify_junctions(table(support_plus, mates), "none"), "m")[0] == "bsj"
    )


def test_inward_facing_mates_are_not_back_splices():
    # Read 1 on "-" to the right of its mate: an ordinary pair, reported because far apart.
    inward = line("chr1", E - 10, "-", "chr1", S + 49, "-", -1, "m", E - 9, "60M", S - 10, "60M")
    frame = circrna.classify_junctions(table(split_minus("f"), inward))
    assert status_of(frame, "m")[0] == "forward_splice"


def test_junction_files_are_read_in_priority_order():
    first = table(split_minus("f"), split_minus("g", cigar1="50S10M", cigar2="60M10p50M10S"))
    second = table(split_minus("f", e=E + 50), split_minus("g"), mates_minus("m"))
    frame = circrna.classify_junctions([first, second])
    assert status_of(frame, "f") == ("bsj", ("chr1", S, E, "+"))  # the first file decides
    assert status_of(frame, "g") == ("bsj", ("chr1", S, E, "+"))  # counted in the second
    assert status_of(frame, "m")[0] == "bsj"  # supported by the first file's split read
    counts = circrna.count_backsplices(frame).set_index("end")["bsj"].to_dict()
    assert counts == {E: 3}


def test_unknown_strandedness_is_refused():
    with pytest.raises(ValueError, match="strandedness must be one of"):
        circrna.classify_junctions(table(split_minus()), "unstranded")


# ---------------------------------------------------------------------------------------
# Forward-splice counts, ratio, annotation, matrices
# ---------------------------------------------------------------------------------------
def write_bam(path: Path, records):
    """Sorted, indexed BAM of (name, flag, pos, cigar, tags) on chr1 (5 kb)."""
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr1", "LN": 5000}]}
    unsorted = path.with_suffix(".unsorted.bam")
    with pysam.AlignmentFile(str(unsorted), "wb", header=header) as out:
        for name, flag, pos, cigar, tags in records:
            read = pysam.AlignedSegment(out.header)
            read.query_name, read.flag, read.reference_id = name, flag, 0
            read.reference_start, read.cigarstring, read.mapping_quality = pos, cigar, 255
            length = read.query_length
            read.query_sequence = "A" * length
            read.query_qualities = pysam.qualitystring_to_array("F" * length)
            read.next_reference_id, read.next_reference_start = 0, pos
            read.set_tags(list({"NH": 1, **dict(tags)}.items()))
            out.write(read)
    pysam.sort("-o", str(path), str(unsorted))
    pysam.index(str(path))


def test_forward_splices_at_both_sites_count_each_fragment_once(tmp_path):
    bam = tmp_path / "linear.bam"
    # Flags: 83/163 = read 1 reverse (RNA "+" in a reverse-stranded library); 99/147 the
    # opposite orientation (RNA "-").
    write_bam(
        bam,
        [
            ("a", 83, 770, "30M200N30M", []),  # intron [800, 1000): into the circle start
            ("a", 163, 780, "20M200N40M", []),  # its mate crosses the same junction
            ("b", 83, 1270, "30M100N30M", []),  # intron [1300, 1400): out of the circle end
            ("c", 163, 960, "10M200N50M", []),  # intron [970, 1170): elsewhere
            ("d", 83, 1240, "60M", []),  # unspliced
            ("e", 99, 770, "30M200N30M", []),  # antisense fragment
            ("f", 83 | 256, 770, "30M200N30M", []),  # secondary
            ("g", 83, 770, "30M200N30M", [("NH", 2)]),  # multi-mapped
            ("h", 83, 771, "30M199N30M", []),  # intron [801, 1000): same end, counts
            ("i", 83, 770, "29M201N30M", []),  # intron [799, 1000): counts too
            ("j", 163, 770, "30M200N30M", []),  # read 2 forward: RNA "+", counts
            ("k", 83, 740, "60M", []),
            ("k", 163, 1280, "20M100N40M", []),  # the fragment's other read is at the end site
            ("k2", 83, 770, "30M200N30M", []),
            ("k2", 163, 1270, "30M100N30M", []),  # both sites, one fragment
        ],
    )
    circles = pd.DataFrame(
        [("chr1", S, E, "+"), ("chr2", S, E, "+")], columns=circrna.CIRCLE_COLUMNS
    )
    got = circrna.count_forward_splices(bam, circles, "reverse")
    # start: a, h, i, j, k2; end: b, k, k2; k2 crosses both and counts once in fsj.
    assert got[["fsj_start", "fsj_end", "fsj"]].values.tolist() == [[5, 3, 7], [0, 0, 0]]
    unstranded = circrna.count_forward_splices(bam, circles, "none")
    assert unstranded.loc[0, "fsj_start"] == 6  # e counts too: no strand to tell it apart
    # In a forward-stranded library only e is on the circle's strand.
    assert circrna.count_forward_splices(bam, circles.iloc[:1], "forward")["fsj"].tolist() == [1]


def test_host_genes_need_strand_and_the_whole_circle_inside():
    genes = pd.DataFrame(
        {
            "gene_id": ["g1", "g2", "g3", "g4"],
            "gene_name": ["HOST", "ANTISENSE", "OVERLAP", "OTHERCHROM"],
            "chrom": ["chr1", "chr1", "chr1", "chr2"],
            "strand": ["+", "-", "+", "+"],
            "start": [900, 900, 1200, 0],
            "end": [5000, 5000, 1400, 9000],
        }
    )
    circles = pd.DataFrame(
        {
            "chrom": ["chr1", "chr1", "chr1", "chr3"],
            "start": [S, 1250, 4800, S],
            "end": [E, 1350, 5100, E],
            "strand": ["+", "+", "-", "+"],
        },
        index=["inside", "two_hosts", "past_the_end", "no_genes"],
    )
    hosts = circrna.host_genes(circles, genes)
    assert hosts.to_dict() == {
        "inside": "HOST",
        "two_hosts": "HOST,OVERLAP",
        "past_the_end": "",
        "no_genes": "",
    }


def test_circular_ratio():
    ratio = circrna.circular_ratio([10, 0, 0, 5], [20, 10, 0, 0])
    assert ratio[0] == pytest.approx(0.5) and ratio[1] == 0 and np.isnan(ratio[2])
    assert ratio[3] == 1


def test_known_circrnas_annotate_exact_strand_aware_matches(tmp_path):
    bed = tmp_path / "known.bed"
    bed.write_text(
        "track name=known\nchr1\t1000\t1300\thsa_circ_0004771\t0\t+\n"
        "chr1\t1000\t1300\thsa_circ_0900099\t0\t-\n"
    )
    known = circrna.read_known_circrnas(bed)
    calls = pd.DataFrame(
        [("chr1", 1000, 1300, "+"), ("chr1", 1000, 1301, "+"), ("chr1", 1000, 1300, "-")],
        columns=circrna.CIRCLE_COLUMNS,
    )
    out = circrna.annotate_circrnas(calls, known)
    assert out["circ_id"].tolist() == ["hsa_circ_0004771", "chr1:1000-1301:+", "hsa_circ_0900099"]
    assert out["known"].tolist() == [True, False, True]
    bad = tmp_path / "bad.bed"
    bad.write_text("chr1\t1000\t1300\tx\n")
    with pytest.raises(ValueError, match="bad.bed, line 1: expected BED6"):
        circrna.read_known_circrnas(bad)
    twice = tmp_path / "twice.bed"
    twice.write_text("chr1\t1\t300\ta\t0\t+\nchr1\t1\t300\tb\t0\t+\n")
    with pytest.raises(ValueError, match="several names"):
        circrna.read_known_circrnas(twice)


def test_sample_table_merge_and_filter(tmp_path):
    junctions = tmp_path / "Chimeric.out.junction"
    junctions.write_text(
        "\n".join(
            [split_minus("f"), split_minus("g"), mates_minus("m"), split_minus("h", s=2000, e=2400)]
        )
        + "\n# Nreads 4\n"
    )
    bam = tmp_path / "a.bam"
    write_bam(bam, [("a", 83, 770, "30M200N30M", []), ("b", 83, 1270, "30M100N30M", [])])
    bed = tmp_path / "known.bed"
    bed.write_text("chr1\t1000\t1300\thsa_circ_0004771\t0\t+\n")
    known = circrna.read_known_circrnas(bed)
    table_a, stats = circrna.sample_table(junctions, bam, known, "reverse")
    assert list(table_a.columns) == circrna.SAMPLE_COLUMNS
    assert stats == {"bsj": 4}
    first = table_a.iloc[0]
    assert (first["circ_id"], first["bsj"], first["bsj_mates"], first["fsj"]) == (
        "hsa_circ_0004771",
        3,
        1,
        2,
    )
    assert first["ratio"] == pytest.approx(6 / 8)
    assert table_a.iloc[1]["circ_id"] == "chr1:2000-2400:+" and not table_a.iloc[1]["known"]
    table_b, _ = circrna.sample_table(junctions, None, known)
    assert table_b["fsj"].isna().all()
    other = tmp_path / "other.junction"
    other.write_text(split_minus("x", s=3000, e=3500) + "\n")
    table_c, _ = circrna.sample_table(other, None, known)
    matrix = circrna.merge_samples({"A": table_a, "C": table_c})
    assert matrix.index.tolist() == ["hsa_circ_0004771", "chr1:2000-2400:+", "chr1:3000-3500:+"]
    assert matrix.to_dict("list") == {"A": [3, 1, 0], "C": [0, 0, 1]}
    assert matrix.dtypes.tolist() == [np.int64, np.int64]
    assert circrna.filter_matrix(matrix, min_reads=1, min_samples=1).shape[0] == 3
    assert circrna.filter_matrix(matrix, min_reads=2, min_samples=1).index.tolist() == [
        "hsa_circ_0004771"
    ]
    assert circrna.filter_matrix(matrix, min_reads=1, min_samples=2).empty
    coords = circrna.circrna_coordinates({"A": table_a, "C": table_c})
    assert coords.loc["chr1:3000-3500:+", "end"] == 3500
    ratio = circrna.merge_samples({"A": table_a, "C": table_c}, column="ratio")
    assert np.isnan(ratio.loc["chr1:3000-3500:+", "A"])


# ---------------------------------------------------------------------------------------
# The real thing: STAR on simulated reads
# ---------------------------------------------------------------------------------------
STAR_AVAILABLE = shutil.which("STAR") is not None and shutil.which("samtools") is not None
THREADS = 2
REPO = Path(__file__).resolve().parents[1]


def star_chimeric_defaults() -> tuple[int, int]:
    """chim_segment_min and chim_junction_overhang_min as the config schema defaults them."""
    schema = read_yaml(REPO / "workflow" / "schemas" / "config.schema.yaml")
    settings = schema["properties"]["longrna"]["properties"]["star"]["properties"]
    return (
        settings["chim_segment_min"]["default"],
        settings["chim_junction_overhang_min"]["default"],
    )


def star_index(reference_dir: Path, index_dir: Path) -> Path:
    """STAR index of the demo genome with its annotation (small genome: sparse SA index)."""
    genome = sim.read_fasta(reference_dir / "genome.fa")
    index_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "STAR",
            "--runMode",
            "genomeGenerate",
            "--runThreadN",
            str(THREADS),
            "--genomeDir",
            str(index_dir),
            "--genomeFastaFiles",
            str(reference_dir / "genome.fa"),
            "--sjdbGTFfile",
            str(reference_dir / "genes.gtf"),
            "--sjdbOverhang",
            str(sim.READ_LENGTH - 1),
            "--genomeSAindexNbases",
            str(star.sa_index_nbases(sum(map(len, genome.values())))),
            "--genomeSAsparseD",
            "1",
            "--outFileNamePrefix",
            f"{index_dir}/",
        ],
        check=True,
        capture_output=True,
    )
    return index_dir


def star_align(index_dir: Path, read1: Path, read2: Path, outdir: Path) -> Path:
    """Main STAR run as the pipeline does it, then the rescue run on its unmapped pairs."""
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "STAR",
            "--runThreadN",
            str(THREADS),
            "--genomeDir",
            str(index_dir),
            "--readFilesIn",
            str(read1),
            str(read2),
            "--readFilesCommand",
            "zcat",
            "--twopassMode",
            "Basic",
            "--outSAMtype",
            "BAM",
            "SortedByCoordinate",
            "--quantMode",
            "GeneCounts",
            "--outReadsUnmapped",
            "Fastx",
            *star.chimeric_options(*star_chimeric_defaults()),
            "--outFileNamePrefix",
            f"{outdir}/",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(["samtools", "index", str(outdir / "Aligned.sortedByCoord.out.bam")], check=True)
    rescue = outdir / "rescue"
    rescue.mkdir()
    subprocess.run(
        [
            "STAR",
            "--runThreadN",
            str(THREADS),
            "--genomeDir",
            str(index_dir),
            "--readFilesIn",
            str(outdir / "Unmapped.out.mate1"),
            str(outdir / "Unmapped.out.mate2"),
            *star.rescue_options(*star_chimeric_defaults()),
            "--outFileNamePrefix",
            f"{rescue}/",
        ],
        check=True,
        capture_output=True,
    )
    return outdir


@pytest.fixture(scope="module")
def aligned(tmp_path_factory):
    """Two demo samples, a host-gene-only sample and a forward-stranded one, aligned."""
    root = tmp_path_factory.mktemp("longrna")
    runs = {
        "demo": sim.simulate_cohort(root / "demo", seed=11, n_samples=2, pairs=15000),
        "host_only": sim.simulate_cohort(
            root / "host_only", seed=12, n_samples=1, pairs=3000, circle_scale=0.0
        ),
        "forward": sim.simulate_cohort(
            root / "forward", seed=13, n_samples=2, pairs=15000, flip_strand=True
        ),
    }
    index = star_index(root / "demo", root / "index")
    out = {}
    for label, run in runs.items():
        for sample in run["samples"]:
            reads = run["outdir"] / "reads"
            out[(label, sample)] = star_align(
                index,
                reads / f"{sample}_R1.fastq.gz",
                reads / f"{sample}_R2.fastq.gz",
                root / "star" / label / sample,
            )
    return {"runs": runs, "star": out}


def fragment_truth(run, sample):
    """Per read name: (is a BSJ fragment, its circle as BED tuple or None)."""
    sim_sample = run["samples"][sample]
    circles = {c.circ_id: c for c in run["reference"].circles}
    truth = {}
    for i, feature in enumerate(sim_sample.feature):
        fid = run["feature_ids"][feature]
        circle = circles.get(fid)
        place = (circle.chrom, circle.start, circle.end, circle.strand) if circle else None
        truth[f"r{i + 1}"] = (bool(sim_sample.bsj[i]), place)
    return truth


def evaluate(run, star_dirs, strandedness, rescue=True, cohort=True):
    """Fragment- and circle-level comparison of calls with the generator's truth.

    With ``cohort`` the calls take two passes, as the pipeline's rules do: per sample, then
    again with the split-supported circles of all samples as ``support``.
    """
    truth_table = pd.read_csv(run["outdir"] / "truth" / "circrna_bsj.tsv", sep="\t")
    planted = set(zip(truth_table.chrom, truth_table.start, truth_table.end, truth_table.strand))
    junctions = {}
    for sample, star_dir in star_dirs.items():
        paths = [star_dir / "Chimeric.out.junction"]
        if rescue:
            paths.append(star_dir / "rescue" / "Chimeric.out.junction")
        junctions[sample] = [circrna.read_chimeric_junctions(p) for p in paths]
    support = None
    if cohort:
        first_pass = {
            sample: circrna.count_backsplices(circrna.classify_junctions(tables, strandedness))
            for sample, tables in junctions.items()
        }
        support = circrna.split_supported(first_pass)
    result = {"fragments": 0, "fragments_right": 0, "pairs": []}
    calls = set()
    for sample, tables in junctions.items():
        fragments = circrna.classify_junctions(tables, strandedness, support=support)
        truth = fragment_truth(run, sample)
        counted = fragments[fragments["status"] == "bsj"]
        for row in counted.itertuples():
            is_bsj, place = truth[row.read_name]
            result["fragments"] += 1
            result["fragments_right"] += is_bsj and place == (
                row.chrom,
                row.start,
                row.end,
                row.strand,
            )
        counts = circrna.count_backsplices(fragments)
        found = {(r.chrom, r.start, r.end, r.strand): r.bsj for r in counts.itertuples()}
        calls |= {(sample, key) for key in found}
        for row in truth_table.itertuples():
            key = (row.chrom, row.start, row.end, row.strand)
            result["pairs"].append(
                (sample, row.circ_id, truth_table.loc[row.Index, sample], found.get(key, 0))
            )
    pairs = pd.DataFrame(result["pairs"], columns=["sample", "circ_id", "truth", "called"])
    tested = pairs[pairs["truth"] >= 5]
    result["precision"] = np.mean([key in planted for _, key in calls]) if calls else np.nan
    result["sensitivity"] = (tested["called"] > 0).mean()
    result["count_ratio"] = tested["called"].sum() / tested["truth"].sum()
    result["fragment_precision"] = result["fragments_right"] / max(result["fragments"], 1)
    result["tested"] = tested
    return result


@pytest.mark.workflow
@pytest.mark.skipif(not STAR_AVAILABLE, reason="STAR and samtools needed")
def test_bsj_calls_match_truth(aligned):
    run = aligned["runs"]["demo"]
    dirs = {s: aligned["star"][("demo", s)] for s in run["samples"]}
    result = evaluate(run, dirs, "reverse")
    assert len(result["tested"]) >= 20
    assert result["precision"] >= 0.99, result["precision"]
    assert result["sensitivity"] >= 0.95, result["tested"]
    assert result["fragment_precision"] >= 0.99, result["fragment_precision"]
    assert abs(result["count_ratio"] - 1) <= 0.05, result["count_ratio"]
    # One pass per sample: right circles, but a nested circle without split reads in a
    # sample can lose its mate-spanning fragments to the circle around it.
    per_sample = evaluate(run, dirs, "reverse", cohort=False)
    assert per_sample["precision"] >= 0.99 and per_sample["fragment_precision"] >= 0.97
    # Without the rescue run the calls stay right but about a tenth of the fragments is lost.
    main_only = evaluate(run, dirs, "reverse", rescue=False)
    assert main_only["precision"] >= 0.99 and main_only["sensitivity"] >= 0.9
    assert main_only["fragment_precision"] >= 0.99
    assert 0.8 <= main_only["count_ratio"] < result["count_ratio"]


@pytest.mark.workflow
@pytest.mark.skipif(not STAR_AVAILABLE, reason="STAR and samtools needed")
def test_forward_splice_counts_match_truth(aligned):
    run = aligned["runs"]["demo"]
    fsj = pd.read_csv(run["outdir"] / "truth" / "circrna_fsj.tsv", sep="\t")
    circles = fsj[circrna.CIRCLE_COLUMNS]
    total_truth = total_counted = 0
    for sample in run["samples"]:
        bam = aligned["star"][("demo", sample)] / "Aligned.sortedByCoord.out.bam"
        counted = circrna.count_forward_splices(bam, circles, "reverse")["fsj"].to_numpy()
        total_truth += fsj[sample].sum()
        total_counted += counted.sum()
    assert total_truth > 200
    assert abs(total_counted / total_truth - 1) <= 0.05, (total_counted, total_truth)


@pytest.mark.workflow
@pytest.mark.skipif(not STAR_AVAILABLE, reason="STAR and samtools needed")
def test_sample_tables_carry_known_ids(aligned):
    run = aligned["runs"]["demo"]
    known = circrna.read_known_circrnas(run["outdir"] / "circrna.bed")
    tables = {}
    for sample in run["samples"]:
        star_dir = aligned["star"][("demo", sample)]
        tables[sample], stats = circrna.sample_table(
            [star_dir / "Chimeric.out.junction", star_dir / "rescue" / "Chimeric.out.junction"],
            star_dir / "Aligned.sortedByCoord.out.bam",
            known,
            "reverse",
        )
        assert stats["bsj"] == tables[sample]["bsj"].sum()
        assert tables[sample]["known"].all()
    matrix = circrna.merge_samples(tables)
    assert {"hsa_circ_0004771", "hsa_circ_0088088"} <= set(matrix.index)
    assert (matrix.sum(axis=1) > 0).all()


@pytest.mark.workflow
@pytest.mark.skipif(not STAR_AVAILABLE, reason="STAR and samtools needed")
def test_host_gene_only_sample_gives_no_calls(aligned):
    run = aligned["runs"]["host_only"]
    (sample,) = run["samples"]
    star_dir = aligned["star"][("host_only", sample)]
    table_, stats = circrna.sample_table(
        [star_dir / "Chimeric.out.junction", star_dir / "rescue" / "Chimeric.out.junction"],
        star_dir / "Aligned.sortedByCoord.out.bam",
        None,
        "reverse",
    )
    assert table_.empty, table_
    assert stats.get("bsj", 0) == 0


@pytest.mark.workflow
@pytest.mark.skipif(not STAR_AVAILABLE, reason="STAR and samtools needed")
def test_forward_stranded_library(aligned):
    run = aligned["runs"]["forward"]
    dirs = {s: aligned["star"][("forward", s)] for s in run["samples"]}
    result = evaluate(run, dirs, "forward")
    assert result["precision"] >= 0.99 and result["sensitivity"] >= 0.95, result["tested"]
    assert result["fragment_precision"] >= 0.99
    assert abs(result["count_ratio"] - 1) <= 0.05, result["count_ratio"]
    # Read as reverse-stranded, every split read contradicts its motif: nothing is called.
    wrong = evaluate(run, dirs, "reverse")
    assert wrong["fragments"] == 0

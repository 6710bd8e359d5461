"""The long-RNA reference prepared from the files as distributed (exocargo.references):
plain, gzip and bgzip files, Ensembl-style GTFs, contigs the genome lacks, chr1 against 1,
and the lncRNA gene types of older GENCODE/Ensembl releases."""

import gzip
import logging
import re
from pathlib import Path

import pandas as pd
import pytest

from exocargo import genes, references

REPO = Path(__file__).resolve().parents[1]
DEMO_GENOME = REPO / "resources" / "demo" / "longrna" / "genome.fa"
DEMO_GTF = REPO / "resources" / "demo" / "longrna" / "genes.gtf"
# A sequence that Ensembl's GTF annotates and a primary-assembly FASTA leaves out.
EXTRA_CONTIG = "KI270728.1"


def ensembl_gtf(gencode_text: str, extra_contig: str = EXTRA_CONTIG) -> str:
    """A GENCODE-style GTF rewritten as Ensembl writes it: no gene lines, gene_biotype
    (and transcript_biotype) for gene_type, and two genes on a sequence the genome lacks."""
    lines = [
        line.replace("gene_type", "gene_biotype").replace("transcript_type", "transcript_biotype")
        for line in gencode_text.splitlines(keepends=True)
        if line.startswith("#") or line.split("\t")[2] != "gene"
    ]
    for number, (start, end) in enumerate([(1000, 1500), (3000, 3400)], start=1):
        attributes = (
            f'gene_id "EXTRAG{number}"; gene_name "EXTRA{number}"; '
            f'gene_biotype "protein_coding"; transcript_id "EXTRAT{number}";'
        )
        for kind in ("transcript", "exon"):
            lines.append(
                f"{extra_contig}\tensembl\t{kind}\t{start}\t{end}\t.\t+\t.\t{attributes}\n"
            )
    return "".join(lines)


def compress(source: Path, target: Path, kind: str) -> Path:
    """``source`` written to ``target`` as gzip or as bgzip (blocked gzip, as Ensembl's)."""
    if kind == "gzip":
        target.write_bytes(gzip.compress(source.read_bytes(), mtime=0))
    else:
        import pysam

        pysam.tabix_compress(str(source), str(target), force=True)
    return target


@pytest.mark.parametrize("kind", ["gzip", "bgzip"])
def test_compressed_genome_and_gtf_are_written_plain(tmp_path, kind):
    fasta = compress(DEMO_GENOME, tmp_path / "genome.fa.gz", kind)
    gtf = compress(DEMO_GTF, tmp_path / "genes.gtf.gz", kind)
    assert fasta.read_bytes()[:2] == b"\x1f\x8b"
    prepared = references.prepare_longrna(
        str(fasta), str(gtf), tmp_path / "out" / "genome.fa", tmp_path / "out" / "genes.gtf"
    )
    assert (tmp_path / "out" / "genome.fa").read_bytes() == DEMO_GENOME.read_bytes()
    assert (tmp_path / "out" / "genes.gtf").read_bytes() == DEMO_GTF.read_bytes()
    assert prepared.sizes["chrom"].tolist() == ["chr1", "chr2", "chr3"]
    pd.testing.assert_frame_equal(prepared.genes, genes.gene_table(DEMO_GTF))
    assert prepared.dropped == {} and prepared.renamed == {}
    # nothing but the two outputs is left in the directory (temporary names renamed)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["genes.gtf", "genome.fa"]


def test_plain_reference_is_copied_unchanged(tmp_path):
    out = tmp_path / "out"
    references.prepare_longrna(
        str(DEMO_GENOME), str(DEMO_GTF), out / "genome.fa", out / "genes.gtf"
    )
    assert (out / "genome.fa").read_bytes() == DEMO_GENOME.read_bytes()
    assert (out / "genes.gtf").read_bytes() == DEMO_GTF.read_bytes()


def test_ensembl_gtf_without_gene_lines_gives_the_gencode_gene_table(tmp_path):
    gtf = tmp_path / "ensembl.gtf"
    gtf.write_text(ensembl_gtf(DEMO_GTF.read_text()))
    assert "\tgene\t" not in gtf.read_text() and "gene_type" not in gtf.read_text()
    table = genes.gene_table(gtf)
    expected = genes.gene_table(DEMO_GTF)
    on_genome = table[table["chrom"] != EXTRA_CONTIG].reset_index(drop=True)
    pd.testing.assert_frame_equal(on_genome, expected)
    extra = table[table["chrom"] == EXTRA_CONTIG]
    assert extra[["gene_id", "gene_name", "start", "end"]].values.tolist() == [
        ["EXTRAG1", "EXTRA1", 999, 1500],
        ["EXTRAG2", "EXTRA2", 2999, 3400],
    ]


def test_gene_line_after_its_exons_still_gives_the_gene_span(tmp_path):
    gtf = tmp_path / "genes.gtf"
    gtf.write_text(
        'chr1\tx\texon\t150\t200\t.\t+\t.\tgene_id "g1"; gene_type "lncRNA";\n'
        'chr1\tx\tgene\t100\t900\t.\t+\t.\tgene_id "g1"; gene_name "G1"; gene_type "lncRNA";\n'
        'chr1\tx\ttranscript\t1000\t1900\t.\t-\t.\tgene_id "g2"; gene_type "lncRNA";\n'
        'chr1\tx\texon\t1000\t1100\t.\t-\t.\tgene_id "g2"; gene_type "lncRNA";\n'
    )
    table = genes.gene_table(gtf)
    assert table[["gene_id", "gene_name", "start", "end"]].values.tolist() == [
        ["g1", "G1", 99, 900],
        ["g2", "g2", 999, 1900],
    ]


def test_genes_on_contigs_the_genome_lacks_are_dropped_with_one_warning(tmp_path, caplog):
    gtf = tmp_path / "ensembl.gtf.gz"
    gtf.write_bytes(gzip.compress(ensembl_gtf(DEMO_GTF.read_text()).encode()))
    out = tmp_path / "out"
    with caplog.at_level(logging.WARNING):
        prepared = references.prepare_longrna(
            str(DEMO_GENOME), str(gtf), out / "genome.fa", out / "genes.gtf"
        )
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"2 gene(s) of {gtf} lie on 1 sequence(s) absent from {DEMO_GENOME} and are left "
        "out of the prepared GTF and the gene table (they cannot be counted); genes per "
        f"sequence: {EXTRA_CONTIG} (2)"
    ]
    assert prepared.dropped == {EXTRA_CONTIG: 2}
    assert EXTRA_CONTIG not in (out / "genes.gtf").read_text()
    assert EXTRA_CONTIG not in set(prepared.genes["chrom"])
    pd.testing.assert_frame_equal(prepared.genes, genes.gene_table(DEMO_GTF))


def test_dropped_genes_warning_lists_the_largest_contigs_first():
    dropped = {f"KI{i:04d}": 1 for i in range(25)} | {"GL000220.1": 7}
    text = references.dropped_genes_warning(dropped, "a.gtf", "g.fa")
    assert text.startswith("32 gene(s) of a.gtf lie on 26 sequence(s) absent from g.fa")
    assert text.endswith("GL000220.1 (7), KI0000 (1), " + ", ".join(
        f"KI{i:04d} (1)" for i in range(1, 19)) + ", and 6 more")


@pytest.mark.parametrize(
    "gtf_chroms, genome_chroms, expected",
    [
        (
            ["1", "2", "MT"],
            ["chr1", "chr2", "chrM"],
            "the GTF names its sequences without a 'chr' prefix ('1', as Ensembl and NCBI "
            "write them), the genome with a 'chr' prefix ('chr1', as UCSC and GENCODE write "
            "them); 2 of the GTF's 3 sequence names match the genome's once the prefix is "
            "added (1 -> chr1)",
        ),
        (
            ["chr1", "chr2"],
            ["1", "2", "X"],
            "the GTF names its sequences with a 'chr' prefix ('chr1', as UCSC and GENCODE "
            "write them), the genome without a 'chr' prefix ('1', as Ensembl and NCBI "
            "write them); 2 of the GTF's 2 sequence names match the genome's once the "
            "prefix is removed (chr1 -> 1)",
        ),
    ],
)
def test_chr_naming_mismatch_says_which_naming_each_file_uses(
    tmp_path, gtf_chroms, genome_chroms, expected
):
    fasta = tmp_path / "genome.fa"
    fasta.write_text("".join(f">{name}\nACGTACGTACGT\n" for name in genome_chroms))
    gtf = tmp_path / "genes.gtf"
    gtf.write_text(
        "".join(
            f'{chrom}\tx\texon\t1\t10\t.\t+\t.\tgene_id "g{i}"; gene_type "lncRNA";\n'
            for i, chrom in enumerate(gtf_chroms)
        )
    )
    out = tmp_path / "out"
    with pytest.raises(genes.AnnotationError) as error:
        references.prepare_longrna(str(fasta), str(gtf), out / "genome.fa", out / "genes.gtf")
    message = str(error.value)
    assert message.startswith(
        f"none of the {len(gtf_chroms)} genes of {gtf} lies on a sequence of {fasta}: "
    )
    assert expected in message
    assert "Use a genome and a GTF of the same provider" in message
    # a failed check leaves no output behind, under its name or a temporary one
    assert not out.exists() or list(out.iterdir()) == []


def test_other_naming_mismatch_keeps_the_generic_error(tmp_path):
    fasta = tmp_path / "genome.fa"
    fasta.write_text(">NC_000001.11\nACGT\n")
    gtf = tmp_path / "genes.gtf"
    gtf.write_text('chr1\tx\texon\t1\t4\t.\t+\t.\tgene_id "g1"; gene_type "lncRNA";\n')
    with pytest.raises(genes.AnnotationError, match=re.escape(
        "the GTF names sequences chr1, the genome NC_000001.11; use a GTF and a genome of "
        "the same source"
    )):
        references.prepare_longrna(str(fasta), str(gtf), tmp_path / "g.fa", tmp_path / "g.gtf")


def test_broken_genome_and_gtf_are_both_reported(tmp_path):
    fasta = tmp_path / "genome.fa.gz"
    fasta.write_bytes(gzip.compress(b">chr1\nACGT\n>chr1\nACGT\n"))
    gtf = tmp_path / "genes.gtf"
    gtf.write_text('chr1\tx\texon\t1\t4\t.\t+\t.\tgene_id "g1";\n')
    with pytest.raises(genes.AnnotationError) as error:
        references.prepare_longrna(str(fasta), str(gtf), tmp_path / "o.fa", tmp_path / "o.gtf")
    assert "duplicate sequence name 'chr1' (first on line 1)" in str(error.value)
    assert "gene 'g1' has no gene_type or gene_biotype attribute" in str(error.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["genes.gtf", "genome.fa.gz"]


OLD_RELEASE_GTF = "".join(
    f'chr1\tx\tgene\t{10 * i + 1}\t{10 * i + 5}\t.\t+\t.\tgene_id "g{i:02d}"; '
    f'gene_type "{gene_type}";\n'
    for i, gene_type in enumerate(
        ["lincRNA", "antisense", "sense_intronic", "sense_overlapping",
         "3prime_overlapping_ncRNA", "processed_transcript", "bidirectional_promoter_lncRNA",
         "macro_lncRNA", "non_coding", "protein_coding", "misc_RNA", "lncRNA"]
    )
)


def test_lncrna_types_of_older_releases_are_read_as_lncrna(tmp_path, caplog):
    gtf = tmp_path / "gencode_v19.gtf"
    gtf.write_text(OLD_RELEASE_GTF)
    table = genes.gene_table(gtf)
    assert table["gene_type"].tolist() == ["lncRNA"] * 9 + ["protein_coding", "misc_RNA", "lncRNA"]
    raw = genes.read_genes(gtf)
    assert raw["gene_type"].tolist()[:2] == ["lincRNA", "antisense"]
    assert genes.renamed_types(raw) == {name: 1 for name in genes.RENAMED_GENE_TYPES}
    fasta = tmp_path / "genome.fa"
    fasta.write_text(">chr1\n" + "A" * 200 + "\n")
    with caplog.at_level(logging.INFO):
        prepared = references.prepare_longrna(
            str(fasta), str(gtf), tmp_path / "o.fa", tmp_path / "o.gtf"
        )
    assert prepared.renamed["lincRNA"] == 1
    assert "gene types of older GENCODE/Ensembl releases read as lncRNA: " \
        "3prime_overlapping_ncRNA (1 genes), antisense (1 genes)" in caplog.text
    # the prepared GTF keeps the types as written (STAR and featureCounts see the original)
    assert (tmp_path / "o.gtf").read_text() == OLD_RELEASE_GTF


def test_default_gene_types_select_the_older_lncrna_genes(tmp_path):
    gtf = tmp_path / "genes.gtf"
    gtf.write_text(OLD_RELEASE_GTF)
    table = genes.gene_table(gtf)
    counts = {"A": pd.Series({f"g{i:02d}": i for i in range(12)})}
    matrices = genes.class_matrices(
        counts, table, {"lncrna": ["lncRNA"], "mrna": ["protein_coding"], "old": ["lincRNA"]}
    )
    assert matrices["lncrna"].index.tolist() == [f"g{i:02d}" for i in (*range(9), 11)]
    assert matrices["mrna"].index.tolist() == ["g09"]
    # a config written for an old release (lincRNA) selects the same genes
    assert matrices["old"].index.tolist() == matrices["lncrna"].index.tolist()


def test_mapping_table_holds_only_gencode_lncrna_replacements():
    assert set(genes.RENAMED_GENE_TYPES.values()) == {"lncRNA"}
    assert genes.current_gene_type("protein_coding") == "protein_coding"
    assert genes.current_gene_type("lincRNA") == "lncRNA"


def test_memory_is_sized_on_the_plain_genome(tmp_path):
    plain = tmp_path / "genome.fa"
    plain.write_bytes(b">chr1\n" + b"ACGT" * 250_000 + b"\n")
    packed = compress(plain, tmp_path / "genome.fa.gz", "gzip")
    assert references.plain_size_mb(plain) == pytest.approx(1.000006)
    size = packed.stat().st_size / 1e6
    assert references.plain_size_mb(packed) == pytest.approx(references.GZIP_EXPANSION * size)

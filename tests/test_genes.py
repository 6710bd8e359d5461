"""GTF gene table and the split of featureCounts output into lncRNA and mRNA matrices."""

import gzip

import pandas as pd
import pytest

from exocargo import genes, genome

GTF = (
    'chr1\tdemo\tgene\t100\t900\t.\t+\t.\tgene_id "g1"; gene_name "H19"; gene_type "lncRNA";\n'
    'chr1\tdemo\texon\t100\t300\t.\t+\t.\tgene_id "g1"; transcript_id "t1"; gene_type "lncRNA";\n'
    'chr1\tdemo\tgene\t2000\t3000\t.\t-\t.\tgene_id "g2"; gene_name "ABCB1"; gene_type "protein_coding";\n'
    'chr2\tdemo\tgene\t10\t90\t.\t+\t.\tgene_id "g3"; gene_name "RN7SK"; gene_type "misc_RNA";\n'
)


def test_gene_table_reads_ids_names_types(tmp_path):
    path = tmp_path / "genes.gtf"
    path.write_text(GTF)
    table = genes.gene_table(path)
    assert list(table["gene_id"]) == ["g1", "g2", "g3"]
    assert list(table["gene_name"]) == ["H19", "ABCB1", "RN7SK"]
    assert list(table["gene_type"]) == ["lncRNA", "protein_coding", "misc_RNA"]
    # BED-style spans of the gene lines (GTF 100-900 is 99-900)
    assert list(zip(table["start"], table["end"])) == [(99, 900), (1999, 3000), (9, 90)]


@pytest.mark.parametrize("name", ["genes.gtf.gz", "genes.gtf"])
def test_compressed_gtf_and_genome_are_read_whatever_their_name(tmp_path, name):
    gtf = tmp_path / name
    gtf.write_bytes(gzip.compress(GTF.encode()))
    assert list(genes.gene_table(gtf)["gene_id"]) == ["g1", "g2", "g3"]
    fasta = tmp_path / name.replace("genes.gtf", "genome.fa")
    fasta.write_bytes(gzip.compress(b">chr1\nACGTACGT\nACG\n>chr2\nAC\n"))
    sizes = genome.chrom_sizes(fasta)
    assert sizes.values.tolist() == [["chr1", 11], ["chr2", 2]]
    # decompressed in place but still named .gz: read as the plain file it is
    plain = tmp_path / "plain.gtf.gz"
    plain.write_text(GTF)
    assert len(genes.gene_table(plain)) == 3


def test_gene_spans_from_exons_without_gene_lines(tmp_path):
    path = tmp_path / "genes.gtf"
    path.write_text(
        'chr1\tdemo\texon\t500\t600\t.\t+\t.\tgene_id "g1"; gene_type "lncRNA";\n'
        'chr1\tdemo\texon\t100\t200\t.\t+\t.\tgene_id "g1"; gene_type "lncRNA";\n'
    )
    table = genes.gene_table(path)
    assert table[["gene_id", "gene_name", "start", "end"]].values.tolist() == [["g1", "g1", 99, 600]]


def test_ensembl_gene_biotype_is_accepted(tmp_path):
    path = tmp_path / "genes.gtf"
    path.write_text(GTF.replace("gene_type", "gene_biotype"))
    assert genes.gene_table(path)["gene_type"].tolist()[0] == "lncRNA"


def test_gtf_without_gene_type_is_refused(tmp_path):
    path = tmp_path / "genes.gtf"
    path.write_text(GTF.replace(' gene_type "protein_coding";', ""))
    with pytest.raises(genes.AnnotationError, match=r"line 3: gene 'g2' has no gene_type"):
        genes.gene_table(path)


def test_not_a_gtf_is_refused(tmp_path):
    path = tmp_path / "genes.gtf"
    path.write_text(">chr1\nACGT\n")
    with pytest.raises(genes.AnnotationError, match="expected 9 tab-separated"):
        genes.gene_table(path)


def test_class_matrices_split_by_type(tmp_path):
    path = tmp_path / "genes.gtf"
    path.write_text(GTF)
    table = genes.gene_table(path)
    counts = {
        "A": pd.Series({"g1": 5, "g2": 7, "g3": 1}),
        "B": pd.Series({"g1": 0, "g2": 3, "g3": 2}),
    }
    matrices = genes.class_matrices(
        counts, table, {"lncrna": ["lncRNA"], "mrna": ["protein_coding"]}
    )
    assert matrices["lncrna"].loc["g1"].tolist() == ["H19", 5, 0]
    assert matrices["mrna"].loc["g2"].tolist() == ["ABCB1", 7, 3]
    assert "g3" not in matrices["lncrna"].index and "g3" not in matrices["mrna"].index
    assert list(matrices["mrna"].columns) == ["gene_name", "A", "B"]


def test_exclude_fragments_drops_every_record_of_the_named_fragments(tmp_path):
    import pysam

    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr1", "LN": 5000}]}
    source = tmp_path / "in.bam"
    placed = [("linear", 100, 99), ("bsj", 150, 99), ("linear", 300, 147), ("bsj", 320, 147),
              ("other", 400, 0)]
    with pysam.AlignmentFile(source, "wb", header=header) as bam:
        for name, position, flag in placed:
            record = pysam.AlignedSegment(bam.header)
            record.query_name, record.flag, record.reference_id = name, flag, 0
            record.reference_start, record.mapping_quality = position, 255
            record.cigarstring, record.query_sequence = "50M", "A" * 50
            bam.write(record)
    target = tmp_path / "out.bam"
    assert genes.exclude_fragments(source, target, {"bsj", "absent"}) == 2
    with pysam.AlignmentFile(target, "rb") as bam:
        kept = [(r.query_name, r.reference_start) for r in bam.fetch(until_eof=True)]
        assert bam.header.to_dict()["HD"]["SO"] == "coordinate"
    assert kept == [("linear", 100), ("linear", 300), ("other", 400)]

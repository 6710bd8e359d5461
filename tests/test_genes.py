"""GTF gene table and the split of featureCounts output into lncRNA and mRNA matrices."""

import pandas as pd
import pytest

from exocargo import genes

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

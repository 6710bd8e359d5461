# Feature x sample count matrices, one per RNA class, built once from per-sample tables.


rule mirna_matrix:
    input:
        counts=expand("results/smallrna/{sample}/mirna_counts.tsv", sample=PLAN.small),
        features="results/references/mirbase_arms.tsv",
    output:
        matrix="results/counts/mirna.tsv",
    log:
        "logs/mirna_matrix/mirna_matrix.log",
    benchmark:
        "benchmarks/mirna_matrix/mirna_matrix.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    params:
        samples=PLAN.small,
    script:
        "../scripts/count_matrix.py"


# Counts per million of each library's assigned reads (exocargo.normalise), beside every
# count matrix; miRNAs also per million miRNA reads.
rule normalised_counts:
    input:
        counts="results/counts/{rna_class}.tsv",
        qc_table="results/qc/samples.tsv",
    output:
        cpm="results/counts/{rna_class}.cpm.tsv",
    log:
        "logs/normalised_counts/{rna_class}.log",
    benchmark:
        "benchmarks/normalised_counts/{rna_class}.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    params:
        library=get_class_library,
    script:
        "../scripts/normalised_counts.py"


# miRNAs also per million miRNA reads: the same job with one more output.
use rule normalised_counts as normalised_mirna_counts with:
    output:
        cpm="results/counts/{rna_class}.cpm.tsv",
        per_class="results/counts/{rna_class}.per_million_mirna.tsv",
    wildcard_constraints:
        rna_class="mirna",
    localrule: True


ruleorder: normalised_mirna_counts > normalised_counts

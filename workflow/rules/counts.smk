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

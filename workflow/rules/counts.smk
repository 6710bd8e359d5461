# Feature x sample count matrices, one per RNA class, built once from per-sample tables.


rule mirna_matrix:
    input:
        counts=get_mirna_sample_counts,
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
        samples=SMALL_SAMPLES,
    script:
        "../scripts/count_matrix.py"

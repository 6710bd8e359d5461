# Differential expression per contrast and RNA class (pydeseq2).


rule diffexp:
    input:
        counts="results/counts/{rna_class}.tsv",
        samples=SAMPLE_SHEET,
        qc_table="results/qc/samples.tsv",
        size_factor_counts=get_size_factor_counts,
    output:
        table=report(
            "results/de/{contrast}/{rna_class}.tsv",
            caption="../report/de_table.rst",
            category="Differential expression",
            subcategory="{contrast}",
            labels={"RNA class": "{rna_class}", "table": "DE results"},
        ),
    log:
        "logs/diffexp/{contrast}.{rna_class}.log",
    benchmark:
        "benchmarks/diffexp/{contrast}.{rna_class}.tsv"
    conda:
        "../envs/python.yaml"
    threads: 2
    resources:
        mem_mb=4096,
    params:
        contrast=get_contrast,
        samples=get_de_samples,
        alpha=PLAN.config["diffexp"]["alpha"],
        min_count=PLAN.config["diffexp"]["min_count"],
        min_samples=PLAN.config["diffexp"]["min_samples"],
        strict=PLAN.config["diffexp"]["strict"],
    script:
        "../scripts/diffexp.py"

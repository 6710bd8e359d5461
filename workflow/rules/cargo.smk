# Annotation of every DE hit against the review-derived cargo catalog.


rule annotate_cargo:
    input:
        tables=get_contrast_tables,
        catalog=config["cargo"]["catalog"],
    output:
        table=report(
            "results/cargo/{contrast}.tsv",
            caption="../report/cargo_table.rst",
            category="Known cargo",
            labels={"contrast": "{contrast}", "table": "cargo annotation"},
        ),
    log:
        "logs/annotate_cargo/{contrast}.log",
    benchmark:
        "benchmarks/annotate_cargo/{contrast}.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    params:
        rna_classes=RNA_CLASSES,
        context=get_contrast_context,
        alpha=config["diffexp"]["alpha"],
    script:
        "../scripts/annotate_cargo.py"

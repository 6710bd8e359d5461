# Annotation of every DE hit against the review-derived cargo catalog.


rule annotate_cargo:
    input:
        tables=expand(
            "results/de/{{contrast}}/{rna_class}.tsv", rna_class=PLAN.rna_classes
        ),
        catalog=PLAN.config["cargo"]["catalog"],
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
        rna_classes=PLAN.rna_classes,
        context=get_contrast_context,
        alpha=PLAN.config["diffexp"]["alpha"],
    script:
        "../scripts/annotate_cargo.py"

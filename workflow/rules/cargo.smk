# Annotation of every DE hit against the review-derived cargo catalog.


rule annotate_cargo:
    input:
        tables=expand(
            "results/de/{{contrast}}/{rna_class}.tsv", rna_class=PLAN.rna_classes
        ),
        catalog=PLAN.reference("cargo.catalog"),
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


# Catalog cargo present in the libraries, with or without contrasts.
rule detected_cargo:
    input:
        counts=expand("results/counts/{rna_class}.tsv", rna_class=PLAN.rna_classes),
        catalog=PLAN.reference("cargo.catalog"),
    output:
        table=report(
            "results/cargo/detected.tsv",
            caption="../report/cargo_table.rst",
            category="Known cargo",
            labels={"table": "catalog cargo detected"},
        ),
    log:
        "logs/detected_cargo/detected_cargo.log",
    benchmark:
        "benchmarks/detected_cargo/detected_cargo.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    params:
        rna_classes=PLAN.rna_classes,
    script:
        "../scripts/detected_cargo.py"

# Figures of counts and DE results (PCA, sample distances, labelled volcano/MA plots, catalog
# cargo heatmap) and the self-contained HTML report.


rule exploration_plots:
    input:
        counts="results/counts/{rna_class}.tsv",
        samples=SAMPLE_SHEET,
        qc_table="results/qc/samples.tsv",
    output:
        vst="results/vst/{rna_class}.tsv",
        pca=report(
            "results/plots/{rna_class}/pca.png",
            caption="../report/pca.rst",
            category="Sample exploration",
            labels={"RNA class": "{rna_class}", "figure": "PCA"},
        ),
        pca_svg="results/plots/{rna_class}/pca.svg",
        distances=report(
            "results/plots/{rna_class}/sample_distances.png",
            caption="../report/sample_distances.rst",
            category="Sample exploration",
            labels={"RNA class": "{rna_class}", "figure": "sample distances"},
        ),
        distances_svg="results/plots/{rna_class}/sample_distances.svg",
    log:
        "logs/exploration_plots/{rna_class}.log",
    benchmark:
        "benchmarks/exploration_plots/{rna_class}.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    resources:
        mem_mb=4096,
    params:
        conditions=PLAN.conditions,
    script:
        "../scripts/exploration_plots.py"


rule de_plots:
    input:
        table="results/de/{contrast}/{rna_class}.tsv",
        cargo="results/cargo/{contrast}.tsv",
    output:
        volcano=report(
            "results/plots/{rna_class}/{contrast}.volcano.png",
            caption="../report/volcano.rst",
            category="Differential expression",
            subcategory="{contrast}",
            labels={"RNA class": "{rna_class}", "figure": "volcano"},
        ),
        volcano_svg="results/plots/{rna_class}/{contrast}.volcano.svg",
        ma=report(
            "results/plots/{rna_class}/{contrast}.ma.png",
            caption="../report/ma.rst",
            category="Differential expression",
            subcategory="{contrast}",
            labels={"RNA class": "{rna_class}", "figure": "MA"},
        ),
        ma_svg="results/plots/{rna_class}/{contrast}.ma.svg",
    log:
        "logs/de_plots/{contrast}.{rna_class}.log",
    benchmark:
        "benchmarks/de_plots/{contrast}.{rna_class}.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    params:
        alpha=PLAN.config["diffexp"]["alpha"],
    script:
        "../scripts/de_plots.py"


rule cargo_heatmap:
    input:
        vst="results/vst/{rna_class}.tsv",
        cargo=expand("results/cargo/{contrast}.tsv", contrast=PLAN.contrasts),
        samples=SAMPLE_SHEET,
    output:
        heatmap=report(
            "results/plots/{rna_class}/cargo_heatmap.png",
            caption="../report/cargo_heatmap.rst",
            category="Known cargo",
            labels={"RNA class": "{rna_class}", "figure": "catalog cargo heatmap"},
        ),
        heatmap_svg="results/plots/{rna_class}/cargo_heatmap.svg",
    log:
        "logs/cargo_heatmap/{rna_class}.log",
    benchmark:
        "benchmarks/cargo_heatmap/{rna_class}.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    params:
        conditions=PLAN.conditions,
    script:
        "../scripts/cargo_heatmap.py"


rule html_report:
    input:
        samples=SAMPLE_SHEET,
        qc_table="results/qc/samples.tsv",
        composition="results/plots/qc/composition.png",
        lengths="results/plots/qc/read_lengths.png",
        multiqc="results/multiqc/multiqc_report.html",
        versions="results/versions.tsv",
        pca=expand("results/plots/{rna_class}/pca.png", rna_class=PLAN.rna_classes),
        distances=expand(
            "results/plots/{rna_class}/sample_distances.png",
            rna_class=PLAN.rna_classes,
        ),
        cargo_heatmaps=expand(
            "results/plots/{rna_class}/cargo_heatmap.png", rna_class=PLAN.rna_classes
        ),
        # DE files in PLAN.de_pairs order
        de_tables=[f"results/de/{c}/{k}.tsv" for c, k in PLAN.de_pairs],
        volcanos=[f"results/plots/{k}/{c}.volcano.png" for c, k in PLAN.de_pairs],
        ma_plots=[f"results/plots/{k}/{c}.ma.png" for c, k in PLAN.de_pairs],
        cargo=expand("results/cargo/{contrast}.tsv", contrast=PLAN.contrasts),
        detected="results/cargo/detected.tsv",
        template=workflow.source_path("../report/report.html.j2"),
    output:
        html=report(
            "results/report.html",
            caption="../report/html_report.rst",
            category="Run",
            labels={"report": "exocargo HTML report"},
        ),
    log:
        "logs/html_report/html_report.log",
    benchmark:
        "benchmarks/html_report/html_report.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    params:
        config=PLAN.config,
        pairs=PLAN.de_pairs,
        rna_classes=PLAN.rna_classes,
        library_of_class=dict(run_plan.LIBRARY_OF_CLASS),
        cascade=PLAN.cascade_names,
    script:
        "../scripts/report.py"

# Figures of counts and DE results (PCA, sample distances, labelled volcano/MA plots, catalog
# cargo heatmap), software versions of every tool used, and the self-contained HTML report.


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
        conditions=CONDITIONS,
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
        alpha=config["diffexp"]["alpha"],
    script:
        "../scripts/de_plots.py"


rule cargo_heatmap:
    input:
        vst="results/vst/{rna_class}.tsv",
        cargo=get_all_cargo_tables,
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
        conditions=CONDITIONS,
    script:
        "../scripts/cargo_heatmap.py"


rule tool_versions:
    output:
        versions="results/versions/{env}.tsv",
    log:
        "logs/tool_versions/{env}.log",
    benchmark:
        "benchmarks/tool_versions/{env}.tsv"
    wildcard_constraints:
        env=name_pattern(version_envs()),
    localrule: True
    conda:
        "../envs/{env}.yaml"
    params:
        command=version_command,
        partial=partial_outputs,
        publish=publish_outputs,
        cleanup=partial_cleanup,
    shell:
        "{params.cleanup}; "
        "({params.command}) > {params.partial.versions:q} 2> {log:q} && {params.publish}"


rule software_versions:
    input:
        tools=get_tool_versions,
    output:
        versions=report(
            "results/versions.tsv",
            caption="../report/versions.rst",
            category="Run",
            labels={"table": "software versions"},
        ),
    log:
        "logs/software_versions/software_versions.log",
    benchmark:
        "benchmarks/software_versions/software_versions.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    params:
        envs=version_envs(),
        snakemake=SNAKEMAKE_VERSION,
    script:
        "../scripts/software_versions.py"


rule html_report:
    input:
        unpack(get_report_inputs),
        template=report_template,
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
        config=config,
        pairs=DE_PAIRS,
        rna_classes=RNA_CLASSES,
        library_of_class=LIBRARY_OF_CLASS,
        cascade=CASCADE_NAMES,
    script:
        "../scripts/report.py"

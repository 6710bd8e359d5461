# UMI extraction of small-RNA reads for UMI protocols (QIAseq), before trimming. Trimming
# itself (cutadapt) runs inside quantify_smallrna (smallrna.smk), streaming into the
# collapser.


rule umi_extract:
    input:
        fastq=get_raw_fastq,
    output:
        fastq="results/umi/{sample}.fastq.gz",
    log:
        "logs/umi_extract/{sample}.log",
    benchmark:
        "benchmarks/umi_extract/{sample}.tsv"
    conda:
        "../envs/umi_tools.yaml"
    params:
        regex=umi_regex,
    shell:
        "umi_tools extract --extract-method=regex --bc-pattern={params.regex:q} "
        "--stdin {input.fastq:q} --stdout {output.fastq:q} --log {log:q}"

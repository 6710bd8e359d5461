# Adapter and quality trimming of small-RNA reads (cutadapt), with UMI extraction first
# for UMI protocols (QIAseq).


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


rule trim_smallrna:
    input:
        fastq=get_trim_input,
    output:
        fastq="results/trimmed/{sample}.fastq.gz",
        json="results/trimmed/{sample}.cutadapt.json",
    log:
        "logs/trim_smallrna/{sample}.log",
    benchmark:
        "benchmarks/trim_smallrna/{sample}.tsv"
    conda:
        "../envs/cutadapt.yaml"
    threads: 2
    resources:
        mem_mb=1024,
    params:
        args=cutadapt_arguments,
    shell:
        "cutadapt {params.args} -j {threads} --json {output.json:q} "
        "-o {output.fastq:q} {input.fastq:q} > {log:q} 2>&1"

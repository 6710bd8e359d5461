"""Trim, collapse, align (bowtie cascade) and count mature miRNAs of one small-RNA sample."""

from exocargo import cascade, mirna, smallrna
from exocargo.io import run_logged


def main(snakemake):
    output = snakemake.output
    clock = smallrna.StageClock()
    smallrna.process_sample(
        sample=snakemake.wildcards.sample,
        fastq=snakemake.input.fastq,
        cutadapt_arguments=list(snakemake.params.cutadapt),
        steps=[
            cascade.Step(name, index, int(mismatches))
            for name, index, mismatches in snakemake.params.steps
        ],
        arms_table=snakemake.input.arms,
        rules=mirna.IsomirRules(**snakemake.params.isomir),
        outputs=smallrna.SampleFiles(
            cutadapt_json=output.cutadapt_json,
            collapsed=output.collapsed,
            collapse_stats=output.collapse_stats,
            hairpin_bam=output.bam,
            biotypes=output.biotypes,
            unmapped=output.unmapped,
            bowtie_logs=list(output.bowtie_logs),
            counts=output.counts,
            isomirs=output.isomirs,
            summary=output.summary,
        ),
        cutadapt_report=snakemake.log.cutadapt,
        threads=snakemake.threads,
        umi=snakemake.params.umi,
        clock=clock,
    )
    clock.write(snakemake.log.stages)


if __name__ == "__main__":
    run_logged(main, snakemake)  # noqa: F821

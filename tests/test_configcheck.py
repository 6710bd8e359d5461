"""Config validation messages: one line per problem, naming the key."""

from pathlib import Path

import pytest
import yaml

from exocargo import configcheck

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def shipped():
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


def test_shipped_config_is_valid():
    configcheck.check_config(shipped(), SCHEMA)


def test_defaults_are_filled_in_as_snakemake_validate_fills_them():
    import copy

    from snakemake.utils import validate

    config = shipped()
    for key in ("min_length", "max_length", "quality_cutoff"):
        config["trimming"].pop(key, None)
    config["smallrna"]["isomir"].pop("max_nontemplated")
    config["smallrna"]["cascade"][2].pop("mismatches")
    theirs = copy.deepcopy(config)
    validate(theirs, str(SCHEMA), set_default=True)
    configcheck.check_config(config, SCHEMA)
    assert config == theirs
    assert config["trimming"]["min_length"] == 17
    assert config["smallrna"]["isomir"]["max_nontemplated"] == 3
    assert config["smallrna"]["cascade"][2]["mismatches"] == 1


def test_every_problem_is_listed_with_its_key():
    config = shipped()
    config["diffexp"]["contrasts"]["resistant_vs_sensitive"]["context"] = "relapse"
    config["smallrna"]["cascade"][0]["mismatch"] = 1
    del config["cargo"]
    with pytest.raises(configcheck.ConfigError) as error:
        configcheck.check_config(config, SCHEMA, "my.yaml")
    message = str(error.value)
    assert message.startswith("my.yaml has 3 problem(s):")
    assert "diffexp.contrasts.resistant_vs_sensitive.context: 'relapse' is not one of" in message
    assert "smallrna.cascade[0]: unknown key(s) mismatch; allowed: fasta, mismatches, name" in message
    assert "(top level): 'cargo' is a required property" in message

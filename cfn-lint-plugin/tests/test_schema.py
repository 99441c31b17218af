"""schema.json: a valid JSON Schema, and the same keys, in the same order, as the macro."""

import json
import re
import subprocess

import pytest
from cfn_lint_lambda_profiling import values
from jsonschema import Draft7Validator

SCHEMA = values.schema()


def test_the_schema_is_valid_draft_7():
    Draft7Validator.check_schema(SCHEMA)


@pytest.mark.parametrize(
    "definition, template",
    [
        (
            "ProfilingOptions",
            "Transform: LambdaProfiling\nResources:\n  F:\n    Type: AWS::Lambda::Function\n"
            "    Properties:\n      Runtime: python3.12\n      Profiling: {Zzzzzz: 1}\n",
        ),
        (
            "TransformParameters",
            "Transform:\n  - Name: LambdaProfiling\n    Parameters: {Zzzzzz: 1}\nResources: {}\n",
        ),
    ],
)
def test_the_macro_knows_the_same_keys(cli, tmp_path, definition, template):
    path = tmp_path / "t.yaml"
    path.write_text(template)
    done = subprocess.run(
        [cli, "expand", "--error-format", "json", str(path)], capture_output=True, text=True
    )
    [problem] = json.loads(done.stderr)["problems"]
    known = re.search(r"the known keys are (.*)$", problem["message"]).group(1).split(", ")
    assert known == values.known_keys(definition)


def test_lambda_profiling_schema_prints_this_file(cli):
    done = subprocess.run([cli, "schema"], capture_output=True, text=True)
    if done.returncode != 0 and "unrecognized subcommand" in done.stderr:
        pytest.skip("this lambda-profiling has no `schema` command yet")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == SCHEMA

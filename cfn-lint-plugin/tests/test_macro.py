"""E9505, W9501, I9502: the macro's own problems, from the lambda-profiling CLI, at the
lines their paths name; a warning on every template when the CLI is missing; no duplicates."""

import json
import os
import stat

from cfn_lint_lambda_profiling import macro
from conftest import line_of
from test_transforms import for_each_message

BASE = """\
Transform: LambdaProfiling
Parameters:
  Runtime:
    Type: String
Conditions:
  Big: !Equals [!Ref "AWS::Region", us-east-1]
Resources:
  F:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: RUNTIME
      Handler: index.handler
      Role: ROLE
      Code: {ZipFile: x}
      Profiling: PROFILING
"""
RUNTIME = (
    "nodejs22.x is not supported by CodeGuru Profiler, which has agents for python3.8+ and "
    "java8.al2, java11+; remove Profiling from this function"
)


def template(runtime="python3.12", role="arn:aws:iam::123456789012:role/r", profiling="true", extra=""):
    text = BASE.replace("RUNTIME", runtime).replace("ROLE", role).replace("PROFILING", profiling)
    return text + extra


def test_unsupported_runtime_yaml(lint, cli):
    text = template(runtime="nodejs22.x")
    assert lint(text, cli=cli) == [("E9505", RUNTIME, line_of(text, "Runtime: nodejs"))]


def test_a_template_named_like_an_option_is_checked_not_taken_for_one(cli, tmp_path, monkeypatch):
    # cfn-lint hands the plugin the path as it was given (`cfn-lint -- --help`): as the CLI's
    # argument `--help` would print its help and exit 0, and `-` would read stdin.
    monkeypatch.chdir(tmp_path)
    for name in ("--help", "-"):
        (tmp_path / name).write_text(template(runtime="nodejs22.x"))
        found = macro.expand(cli, name, "us-east-1")
        assert found == [{"path": "Resources.F.Properties.Runtime", "message": RUNTIME}], name


def test_more_than_five_layers_in_one_branch_of_an_if(lint, cli):
    layers = ", ".join(f"arn:aws:lambda:us-east-1:123456789012:layer:l{i}:1" for i in range(5))
    extra = f"      Layers: !If\n        - Big\n        - []\n        - [{layers}]\n"
    text = template(extra=extra)
    message = (
        "with the agent layer the function would have 6 layers, and Lambda allows at most 5; "
        "remove or combine a layer, or remove Profiling from this function"
    )
    assert lint(text, cli=cli) == [("E9505", message, line_of(text, "layer:l0"))]


def test_role_it_cannot_reach_json(lint, cli):
    text = json.dumps(
        {
            "Transform": "LambdaProfiling",
            "Resources": {
                "F": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Runtime": "python3.12",
                        "Handler": "i.h",
                        "Role": {"Fn::GetAtt": ["Missing", "Arn"]},
                        "Code": {"ZipFile": "x"},
                        "Profiling": True,
                    },
                }
            },
        },
        indent=2,
    )
    message = "Role refers to Missing, which is neither a resource nor a parameter of this template"
    assert ("E9505", message, line_of(text, '"Role"')) in lint(text, name="t.json", cli=cli)


def test_arm64_points_at_the_list_item(lint, cli):
    text = template(extra="      Architectures:\n        - arm64\n")
    found = lint(text, cli=cli)
    assert [(rule, line) for rule, _, line in found] == [("E9505", line_of(text, "- arm64"))]


def test_sam_globals_runtime(lint, cli):
    text = """\
Transform: [LambdaProfiling, AWS::Serverless-2016-10-31]
Globals:
  Function:
    Runtime: nodejs22.x
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties: {Handler: index.handler, InlineCode: x, Profiling: true}
"""
    assert lint(text, cli=cli) == [("E9505", RUNTIME, 4)]


def test_a_problem_of_one_region_names_it(lint, cli):
    found = lint(template(), cli=cli, regions=["us-east-1", "ap-east-1"])
    line = line_of(template(), "Profiling: ")
    assert [(rule, line) for rule, _, line in found] == [("E9505", line), ("E9505", line)]
    assert all("ap-east-1" in message for _, message, _ in found)


def test_schema_problems_are_not_repeated_by_the_macro(lint, cli):
    text = template(profiling="{Enabld: true}")
    assert [rule for rule, _, _ in lint(text, cli=cli)] == ["E9501"]


LOOP = """\
Transform: [LambdaProfiling, AWS::LanguageExtensions]
Resources:
  Fn::ForEach::Workers:
    - N
    - [A, B]
    - ${N}F:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Role: arn:aws:iam::123456789012:role/r
          Code: {ZipFile: x}
          Profiling: true
"""


def test_for_each_is_told_once_with_the_fix(lint, cli):
    assert lint(LOOP, cli=cli) == [("E9506", for_each_message("Workers"), 3)]


def test_for_each_expanded_first_is_checked_inside(lint, cli):
    text = LOOP.replace(
        "[LambdaProfiling, AWS::LanguageExtensions]", "[AWS::LanguageExtensions, LambdaProfiling]"
    )
    assert lint(text, cli=cli) == []
    text = text.replace("python3.12", "nodejs22.x")
    assert lint(text, cli=cli) == [("E9505", RUNTIME, line_of(text, "Runtime: nodejs"))]


def test_a_parameter_without_a_value_is_not_an_error(lint, cli):
    text = template(runtime="!Ref Runtime")
    assert lint(text, cli=cli, ids=("E",)) == []
    [(rule, message, line)] = lint(text, cli=cli, info=True)
    assert (rule, line) == ("I9502", line_of(text, "Runtime: !Ref"))
    assert "Runtime, which has no value" in message
    assert message.endswith("to check now: lambda-profiling expand --parameter Runtime=VALUE TEMPLATE)")


def test_without_the_cli_every_template_is_warned_and_keeps_the_schema_checks(lint, capfd):
    # A warning, shown without asking: an image function that the macro would refuse must
    # not lint clean in silence because the CLI is missing.
    seen = ("E95", "W95")
    bad = template(profiling="3")
    assert [rule for rule, _, _ in lint(bad, ids=seen)] == ["W9501", "E9501"]
    image = template(extra="      PackageType: Image\n")
    assert [(rule, line) for rule, _, line in lint(image, ids=seen)] == [("W9501", 1)]
    err = capfd.readouterr().err
    assert err.count("cfn-lint-lambda-profiling: the lambda-profiling CLI is not on PATH") == 2  # one per run


def test_a_cli_that_breaks_its_contract_is_named(lint, tmp_path):
    fake = tmp_path / "old-lambda-profiling"
    fake.write_text("#!/bin/sh\necho 'error: unexpected argument' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    [(rule, message, line)] = lint(template(), cli=str(fake), info=True, ids=("W95",))
    assert rule == "W9501" and line == 1
    assert "did not print its problems as JSON" in message and "is it an older lambda-profiling?" in message
    missing = str(tmp_path / "nowhere")
    assert lint(template(), cli=missing, info=True, ids=("W95",)) == [
        (
            "W9501",
            f"LAMBDA_PROFILING_CLI={missing} is not an executable file; fix the variable or unset it",
            1,
        )
    ]
    assert not os.path.exists(missing)
    assert lint(template(runtime="nodejs22.x"), cli="off", info=True, ids=("E95", "W95", "I95")) == []  # silence, chosen

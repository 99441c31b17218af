"""E9503, E9504, E9506: the Transform section around LambdaProfiling."""

import json

from conftest import line_of

FUNCTION = """\
  F:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Code: {ZipFile: x}
      Profiling: true
"""
NO_TRANSFORM = (
    "Profiling is read by the LambdaProfiling macro, which this template does not declare: "
    "add LambdaProfiling to Transform (before AWS::Serverless-2016-10-31 in a SAM template), "
    "or remove Profiling"
)
ORDER = (
    "list LambdaProfiling before AWS::Serverless-2016-10-31 in Transform: SAM runs the "
    "transforms in order and rejects the Profiling property it does not know"
)


def for_each_message(name):
    return (
        f"Fn::ForEach::{name} may hold a profiled function, but LambdaProfiling runs before "
        "AWS::LanguageExtensions expands the loop, so the macro cannot see the functions: "
        "list AWS::LanguageExtensions before LambdaProfiling in Transform"
    )


def test_profiling_without_the_transform_yaml(lint):
    text = "Resources:\n" + FUNCTION
    assert lint(text, ids=("E",)) == [("E9503", NO_TRANSFORM, line_of(text, "Profiling"))]


def test_profiling_without_the_transform_sam_json(lint):
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Globals": {"Function": {"Profiling": True}},
        "Resources": {
            "Api": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "i.h",
                    "InlineCode": "x",
                    "Profiling": True,
                },
            }
        },
    }
    text = json.dumps(template, indent=2)
    assert lint(text, name="t.json", ids=("E",)) == [
        ("E9503", NO_TRANSFORM, line_of(text, '"Profiling"', 1)),
        ("E9503", NO_TRANSFORM, line_of(text, '"Profiling"', 2)),
    ]


def test_macro_after_sam_yaml(lint):
    text = """\
Transform:
  - AWS::Serverless-2016-10-31
  - LambdaProfiling
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: i.h, InlineCode: x, Profiling: true}
"""
    assert lint(text, ids=("E",)) == [("E9504", ORDER, 3)]


def test_the_order_is_said_once_when_the_macro_says_it_too(lint, cli):
    text = """\
Transform:
  - AWS::Serverless-2016-10-31
  - LambdaProfiling
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: i.h, InlineCode: x, Profiling: true}
"""
    assert lint(text, cli=cli, ids=("E", "W")) == [("E9504", ORDER, 3)]


def test_macro_after_sam_json_with_parameters(lint):
    template = {
        "Transform": [
            "AWS::Serverless-2016-10-31",
            {"Name": "LambdaProfiling", "Parameters": {"Profiling": True}},
        ],
        "Resources": {
            "Api": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Runtime": "python3.12", "Handler": "i.h", "InlineCode": "x"},
            }
        },
    }
    text = json.dumps(template, indent=2)
    assert lint(text, name="t.json", ids=("E",)) == [("E9504", ORDER, line_of(text, '"Name"'))]


LOOP = """\
Transform: TRANSFORMS
Resources:
  Fn::ForEach::Workers:
    - Name
    - [A, B]
    - ${Name}Function:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Role: arn:aws:iam::123456789012:role/r
          Code: {ZipFile: x}
          Profiling: PROFILING
"""


def loop(transforms, profiling="true"):
    return LOOP.replace("TRANSFORMS", transforms).replace("PROFILING", profiling)


def test_for_each_before_its_expansion(lint):
    text = loop("[LambdaProfiling, AWS::LanguageExtensions]")
    assert lint(text) == [("E9506", for_each_message("Workers"), 3)]


def test_for_each_without_language_extensions_is_told_the_same(lint):
    found = lint(loop("LambdaProfiling"))
    assert ("E9506", for_each_message("Workers"), 3) in found


def test_for_each_in_the_right_order_or_not_profiled(lint):
    assert lint(loop("[AWS::LanguageExtensions, LambdaProfiling]"), ids=("E",)) == []
    assert lint(loop("[LambdaProfiling, AWS::LanguageExtensions]", "false")) == []


def test_for_each_profiled_by_the_transform_default_json(lint):
    template = {
        "Transform": [
            {"Name": "LambdaProfiling", "Parameters": {"Profiling": True}},
            "AWS::LanguageExtensions",
        ],
        "Resources": {
            "Fn::ForEach::Jobs": [
                "N",
                ["A", "B"],
                {"Job${N}": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12"}}},
            ]
        },
    }
    text = json.dumps(template, indent=2)
    assert lint(text, name="t.json") == [
        ("E9506", for_each_message("Jobs"), line_of(text, "Fn::ForEach::Jobs"))
    ]

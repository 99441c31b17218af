"""E9501 and E9502: Profiling's value and the transform's Parameters, against schema.json;
and cfn-lint's E3002/E3724 no longer fire where the macro accepts Profiling."""

import json

from conftest import line_of

KEYS = (
    "Enabled, ProfilingGroupName, ProfilingGroup, LayerVersion, LayerArn, HeapSummary, "
    "Retain, AnomalyNotificationTopicArn"
)
ENABLD = f'unknown key "Enabld"; did you mean Enabled? the known keys are {KEYS}'

PLAIN = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: LambdaProfiling
Parameters:
  Switch:
    Type: String
    AllowedValues: ["true", "false"]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}
  Orders:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: "def handler(e, c): pass"
      Profiling: PROFILING
"""

SAM = {
    "Transform": ["LambdaProfiling", "AWS::Serverless-2016-10-31"],
    "Globals": {"Function": {"Runtime": "python3.12", "Profiling": True}},
    "Resources": {
        "Api": {
            "Type": "AWS::Serverless::Function",
            "Properties": {"Handler": "index.handler", "InlineCode": "x", "Profiling": True},
        }
    },
}


def sam_json(globals_profiling=True, profiling=True) -> str:
    template = json.loads(json.dumps(SAM))
    template["Globals"]["Function"]["Profiling"] = globals_profiling
    template["Resources"]["Api"]["Properties"]["Profiling"] = profiling
    return json.dumps(template, indent=2)


def test_good_values_lint_clean_without_e3002(lint):
    for value in ("true", '"True"', "!Ref Switch", "{Enabled: false}", "{LayerVersion: 12, Retain: true}"):
        assert lint(PLAIN.replace("PROFILING", value), ids=("E",)) == [], value


def test_typo_in_the_object_form_yaml(lint):
    text = PLAIN.replace("PROFILING", "\n        Enabld: true")
    assert lint(text, ids=("E",)) == [("E9501", ENABLD, line_of(text, "Enabld"))]


def test_a_number_sam_json(lint):
    text = sam_json(profiling=3)
    message = f"Profiling must be true, false, or an object with any of the keys {KEYS}; got the number 3"
    assert lint(text, name="t.json", ids=("E",)) == [("E9501", message, line_of(text, '"Profiling": 3'))]


def test_typo_in_globals_sam_json_no_e3724(lint):
    text = sam_json(globals_profiling={"Enabld": True})
    assert lint(text, name="t.json", ids=("E",)) == [("E9501", ENABLD, line_of(text, '"Enabld"'))]


def test_typo_in_globals_sam_yaml(lint):
    text = """\
Transform: [LambdaProfiling, AWS::Serverless-2016-10-31]
Globals:
  Function:
    Runtime: python3.12
    Profiling: {Enabld: true}
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties: {Handler: index.handler, InlineCode: x}
"""
    assert lint(text, ids=("E",)) == [("E9501", ENABLD, 5)]


def test_fn_if_is_refused_with_the_reason(lint):
    text = PLAIN.replace("PROFILING", "!If [Prod, true, false]").replace(
        "Resources:", "Conditions:\n  Prod: !Equals [!Ref Switch, 'true']\nResources:"
    )
    message = (
        "Profiling cannot be an Fn::If: the macro runs before CloudFormation evaluates it. "
        "Write true, false, a Ref to a parameter, or an object of options"
    )
    assert lint(text) == [("E9501", message, line_of(text, "Profiling:"))]


def test_every_bad_option_at_its_own_line(lint):
    text = PLAIN.replace(
        "PROFILING", "\n        LayerVersion: 0\n        ProfilingGroupName: bad name\n        LayerArn: x"
    )
    found = lint(text)
    assert [(rule, line) for rule, _, line in found] == [
        ("E9501", line_of(text, "Profiling:")),  # LayerVersion and LayerArn together
        ("E9501", line_of(text, "LayerVersion")),
        ("E9501", line_of(text, "ProfilingGroupName")),
        ("E9501", line_of(text, "LayerArn")),
    ]
    assert found[0][1] == "give either LayerVersion or LayerArn, not both"
    assert found[1][1] == (
        "LayerVersion must be a whole number from 1, such as 11, or a Ref to a parameter "
        "holding one; got the number 0"
    )


PARAMETERS = """\
Transform:
  - Name: LambdaProfiling
    Parameters:
      Profilng: true
      Tags: {team: 7, owner: [a]}
Resources:
  Queue:
    Type: AWS::SQS::Queue
"""
PROFILNG = (
    'unknown key "Profilng"; did you mean Profiling? the known keys are Profiling, '
    "PythonLayerVersion, JavaLayerVersion, PythonLayerArn, JavaLayerArn, Tags, Retain"
)


def test_transform_parameter_typo_yaml(lint):
    assert lint(PARAMETERS) == [
        ("E9502", PROFILNG, 4),
        (
            "E9502",
            'the value of tag "owner" must be a tag value: a string (numbers and booleans are '
            "turned into strings) or an intrinsic function; got a list",
            5,
        ),
    ]


def test_transform_parameter_typo_json(lint):
    template = {
        "Transform": [{"Name": "LambdaProfiling", "Parameters": {"Profilng": True}}],
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
    }
    text = json.dumps(template, indent=2)
    assert lint(text, name="t.json") == [("E9502", PROFILNG, line_of(text, "Profilng"))]

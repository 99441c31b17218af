"""The macro's paths, as keys of the source template and as its lines."""

import pytest
from cfn_lint_lambda_profiling.source import locate, parse_path
from cfnlint.decode import decode

TEXT = """\
Transform:
  - AWS::LanguageExtensions
  - Name: LambdaProfiling
    Parameters:
      Tags:
        app.kubernetes.io/name: orders
Globals:
  Function:
    Profiling: true
Resources:
  F:
    Type: AWS::Lambda::Function
    Properties:
      Architectures: [arm64]
      Layers: !If
        - Big
        - []
        - [a, b]
"""


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    path = tmp_path_factory.mktemp("paths") / "t.yaml"
    path.write_text(TEXT)
    template, matches = decode(str(path))
    assert not matches
    return template


@pytest.mark.parametrize(
    "text, keys, line",
    [
        (
            "Resources.F.Properties.Layers.Fn::If[2]",
            ("Resources", "F", "Properties", "Layers", "Fn::If", 2),
            18,
        ),
        (
            "Resources.F.Properties.Layers.Fn::If[2][1]",
            ("Resources", "F", "Properties", "Layers", "Fn::If", 2, 1),
            18,
        ),
        ("Resources.F.Properties.Architectures[0]", ("Resources", "F", "Properties", "Architectures", 0), 14),
        ("Globals.Function.Profiling", ("Globals", "Function", "Profiling"), 9),
        (
            "Transform(LambdaProfiling).Parameters.Tags.app.kubernetes.io/name",
            ("Transform", 1, "Parameters", "Tags", "app.kubernetes.io/name"),
            6,
        ),
        ("Resources.F.DependsOn", ("Resources", "F", "DependsOn"), 11),  # not there: its resource
        ("Resources", ("Resources",), 10),
        ("fragment", ("fragment",), 1),
        ("", (), 1),
    ],
)
def test_paths_name_keys_and_lines(tree, text, keys, line):
    macro_path = ("Transform", 1)
    assert parse_path(tree, macro_path, text) == keys
    assert locate(tree, keys)[0] + 1 == line

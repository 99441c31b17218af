"""The repository's examples, linted as a user would: clean with the plugin, and still
E3002 without it (so the plugin, not luck, makes them clean). Also .cfnlintrc."""

import subprocess
import sys
from pathlib import Path

from conftest import PLUGIN, REPO

EXAMPLES = sorted(str(p) for p in (REPO / "examples").glob("*/template.yaml"))
CFN_LINT = [str(Path(sys.executable).with_name("cfn-lint")), "--format", "parseable"]


def run(args, cwd):
    # cwd outside the plugin's source: cfn-lint would take a folder named like the module for a rules folder
    return subprocess.run(CFN_LINT + args, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_examples_lint_clean_with_the_plugin(tmp_path):
    assert EXAMPLES, "no examples found"
    done = run(["--append-rules", PLUGIN, "--", *EXAMPLES], tmp_path)
    errors = [line for line in done.stdout.splitlines() if ":E" in line]
    # cfn-lint's exit code is a bit mask: 1 a failure of its own, 2 errors (4 warnings, 8 notes)
    assert errors == [] and done.returncode & 3 == 0, done.stdout + done.stderr


def test_examples_show_e3002_without_the_plugin(tmp_path):
    done = run(["--", *EXAMPLES], tmp_path)
    flagged = {line.split(":")[0] for line in done.stdout.splitlines() if ":E3002:" in line}
    assert flagged == set(EXAMPLES), done.stdout


def test_cfnlintrc_append_rules(tmp_path):
    (tmp_path / ".cfnlintrc").write_text(f"append_rules:\n  - {PLUGIN}\n")
    template = Path(tmp_path / "t.yaml")
    template.write_text(
        "Transform: LambdaProfiling\nResources:\n  F:\n    Type: AWS::Lambda::Function\n"
        "    Properties:\n      Runtime: python3.12\n      Handler: i.h\n"
        "      Role: arn:aws:iam::123456789012:role/r\n      Code: {ZipFile: x}\n"
        "      Profiling: {Enabld: true}\n"
    )
    done = run(["t.yaml"], tmp_path)
    assert [line.split(":")[1:3] + line.split(":")[5:6] for line in done.stdout.splitlines()] == [
        ["10", "19", "E9501"]
    ], done.stdout

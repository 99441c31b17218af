"""sam_check.py, run as the corpus gate runs it: cases on stdin, JSON lines out."""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SAM_APP = REPO / "examples" / "sam-app"


def run(cases, region="us-east-1"):
    env = {k: v for k, v in os.environ.items() if k != "AWS_DEFAULT_REGION"}
    if region:
        env["AWS_DEFAULT_REGION"] = region
    done = subprocess.run(
        [sys.executable, str(HERE / "sam_check.py")],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()], done.stderr


@pytest.fixture
def expanded():
    return json.loads((SAM_APP / "expanded.json").read_text())


def case(tmp_path, name, output):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(output))
    return {"name": name, "input": str(SAM_APP / "template.yaml"), "output": str(path)}


def test_the_sam_example_translates_with_no_new_error(tmp_path, expanded):
    code, [result], err = run([case(tmp_path, "sam-app", expanded)])
    assert result == {
        "name": "sam-app",
        "input_translates": True,
        "input_error": None,
        "output_translates": True,
        "output_error": None,
        "new_errors": [],
    }
    assert code == 0
    assert err.strip().endswith(
        "sam_check: cases 1, inputs translated 1, outputs translated 1, rejected 0, "
        "with new errors 0, new errors 0"
    )


def test_an_output_sam_rejects_and_one_with_a_new_error(tmp_path, expanded):
    rejected = copy.deepcopy(expanded)  # SAM does not know Profiling: the macro must remove it
    rejected["Resources"]["ApiFunction"]["Properties"]["Profiling"] = True
    new_error = copy.deepcopy(expanded)
    new_error["Resources"]["ApiFunction"]["Properties"]["Layers"] = ["not-a-layer-arn"]
    code, results, err = run([case(tmp_path, "rejected", rejected), case(tmp_path, "new-error", new_error)])
    assert code == 1
    bad, worse = results
    assert (bad["input_translates"], bad["output_translates"]) == (True, False)
    assert "Profiling" in bad["output_error"]
    assert worse["output_translates"] and worse["new_errors"] == [
        ["E3031", "Resources.ApiFunction.Properties.Layers.0"]
    ]
    assert "rejected 1, with new errors 1, new errors 1" in err


def test_without_a_region_it_says_what_to_set(tmp_path, expanded):
    code, results, err = run([case(tmp_path, "sam-app", expanded)], region=None)
    assert (code, results) == (2, [])
    assert "set AWS_DEFAULT_REGION" in err

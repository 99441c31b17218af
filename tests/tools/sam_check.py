#!/usr/bin/env python3
"""SAM on the macro's output: runs the real SAM translator (aws-sam-translator, offline)
on each case's input and output, and cfn-lint on both translations.

    AWS_DEFAULT_REGION=us-east-1 sam_check.py [CASES.json]    (default: standard input)

CASES is a JSON list of {"name", "input", "output"}: paths of a SAM template given to
the macro (JSON or YAML) and of the macro's answer. The input is translated as SAM
would see it without the macro (its `Profiling` and `LambdaProfiling` taken out), which
is the baseline. One JSON line per case goes to stdout:

    {"name", "input_translates", "input_error", "output_translates", "output_error",
     "new_errors": [[rule id, path], ...]}

`new_errors` are cfn-lint errors (E rules) on the output's translation beyond those on
the input's (as a multiset of rule and path). A summary line goes to stderr. Exit
status: 0 when every case whose input translates has an output that translates with no
new error, 1 otherwise, 2 on bad usage. cfn-lint is the one beside this Python, or on
PATH, or $CFN_LINT.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BATCH = 150  # files per cfn-lint process: its start-up is the cost
WORKERS = 2  # the machines have two cores
FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")


class UsageError(Exception):
    pass


def main(argv: list[str]) -> int:
    # The translator logs its feature toggles and plugins' tracebacks; its errors are reported here.
    logging.getLogger("samtranslator").setLevel(logging.CRITICAL)
    try:
        region = os.environ.get("AWS_DEFAULT_REGION")
        if not region:
            raise UsageError("set AWS_DEFAULT_REGION (the SAM translator needs a region), e.g. us-east-1")
        cases = _read_cases(argv)
        cfn_lint = _cfn_lint()
    except UsageError as err:
        print(f"sam_check: {err}", file=sys.stderr)
        return 2
    results = check(cases, region, cfn_lint)
    for r in results:
        print(json.dumps(r))
    summary = summarise(results)
    print("sam_check: " + ", ".join(f"{k} {v}" for k, v in summary.items()), file=sys.stderr)
    return 0 if summary["rejected"] == 0 and summary["with new errors"] == 0 else 1


def _read_cases(argv: list[str]) -> list[dict]:
    if len(argv) > 1:
        raise UsageError("give at most one CASES file (or the cases on standard input)")
    try:
        text = Path(argv[0]).read_text() if argv else sys.stdin.read()
        cases = json.loads(text)
    except (OSError, ValueError) as err:
        raise UsageError(f"cannot read the cases: {err}") from err
    if not isinstance(cases, list) or not all(
        isinstance(c, dict) and {"name", "input", "output"} <= set(c) for c in cases
    ):
        raise UsageError('the cases must be a JSON list of {"name", "input", "output"}')
    return cases


def _cfn_lint() -> str:
    for candidate in (
        os.environ.get("CFN_LINT"),
        str(Path(sys.executable).with_name("cfn-lint")),
        "cfn-lint",
    ):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    raise UsageError("cfn-lint is not found: install it beside this Python, put it on PATH, or set CFN_LINT")


def check(cases: list[dict], region: str, cfn_lint: str) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory(prefix="sam-check-") as scratch:
        files: list[tuple[dict, str, Path]] = []
        for i, case in enumerate(cases):
            result = {"name": case["name"]}
            for side in ("input", "output"):
                translated, error = translate(case[side], baseline=side == "input")
                result[f"{side}_translates"] = translated is not None
                result[f"{side}_error"] = error
                if translated is not None:
                    path = Path(scratch) / f"{i}-{side}.json"
                    path.write_text(json.dumps(translated))
                    files.append((result, side, path))
            results.append(result)
        errors = lint(cfn_lint, region, [p for _, _, p in files])
        found = {(id(r), side): errors.get(str(p), []) for r, side, p in files}
        for r in results:
            if r["input_translates"] and r["output_translates"]:
                before = Counter(found[(id(r), "input")])
                after = Counter(found[(id(r), "output")])
                r["new_errors"] = [list(e) for e in sorted((after - before).elements())]
            else:
                r["new_errors"] = []
    return results


def translate(path: str, baseline: bool) -> tuple[dict | None, str | None]:
    """SAM's CloudFormation for the template at `path`, or (None, SAM's error)."""
    # Imported here so that a usage error does not wait for the translator to load.
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    try:
        template = _load(path)
    except (OSError, ValueError) as err:
        return None, f"cannot read {path}: {err}"
    if baseline:
        without_macro(template)
    offline(template)
    try:
        # managed_policy_map={} and no loader: the translator's bundled map names the
        # AWS managed policies, so nothing asks IAM.
        translator = Translator(managed_policy_map={}, sam_parser=Parser())
        try:
            return translator.translate(sam_template=template, parameter_values={}), None
        finally:
            translator.metrics.publish()  # to nowhere (a dummy publisher); else it warns at exit
    except InvalidDocumentException as err:
        return None, "; ".join(c.message for c in err.causes) or str(err)
    except Exception as err:  # the translator's own bugs count as rejections, named
        return None, f"{type(err).__name__}: {err}"


def _load(path: str) -> dict:
    """A template as plain JSON data (YAML with CloudFormation's short tags too)."""
    from cfnlint.decode import decode

    template, matches = decode(path)
    if matches or not isinstance(template, dict):
        raise ValueError("; ".join(m.message for m in matches) or "not a template object")
    return json.loads(json.dumps(template))


def without_macro(template: dict) -> None:
    """The template as SAM would get it without LambdaProfiling: the macro's own
    `Profiling` and transform entry removed, and nothing else changed."""
    transforms = template.get("Transform")
    if isinstance(transforms, list):
        template["Transform"] = [t for t in transforms if _transform_name(t) != "LambdaProfiling"]
    elif _transform_name(transforms) == "LambdaProfiling":
        del template["Transform"]
    function_globals = _get(template, "Globals", "Function")
    if isinstance(function_globals, dict):
        function_globals.pop("Profiling", None)
    for resource in _resources(template, FUNCTION_TYPES):
        props = resource.get("Properties")
        if isinstance(props, dict):
            props.pop("Profiling", None)


def offline(template: dict) -> None:
    """An application from the Serverless Application Repository (a Location object)
    is given an S3 location instead, as cfn-lint did before 1.54: else the translator
    calls the repository. Done alike to input and output, which the macro leaves as is."""
    for resource in _resources(template, ("AWS::Serverless::Application",)):
        props = resource.get("Properties")
        if isinstance(props, dict) and isinstance(props.get("Location"), dict):
            props["Location"] = "https://s3.amazonaws.com/sam-check/application.yaml"


def _get(tree, *keys):
    for k in keys:
        tree = tree.get(k) if isinstance(tree, dict) else None
    return tree


def _resources(template: dict, types: tuple) -> list[dict]:
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        return []
    return [r for r in resources.values() if isinstance(r, dict) and r.get("Type") in types]


def _transform_name(t) -> str | None:
    return t.get("Name") if isinstance(t, dict) else t


def lint(cfn_lint: str, region: str, files: list[Path]) -> dict[str, list[tuple[str, str]]]:
    """cfn-lint's errors (rule id, dotted path) per file, many files per process."""
    batches = [files[i : i + BATCH] for i in range(0, len(files), BATCH)]
    found: dict[str, list[tuple[str, str]]] = {}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for part in pool.map(lambda b: _lint_batch(cfn_lint, region, b), batches):
            for name, errors in part.items():
                found.setdefault(name, []).extend(errors)
    return found


def _lint_batch(cfn_lint: str, region: str, files: list[Path]) -> dict[str, list[tuple[str, str]]]:
    done = subprocess.run(
        [cfn_lint, "--format", "json", "--regions", region, "--", *map(str, files)],
        capture_output=True,
        text=True,
    )
    if done.returncode & 1:  # 1: cfn-lint itself failed (2, 4, 8 are findings)
        raise RuntimeError(f"cfn-lint failed ({done.returncode}): {done.stderr.strip()[:2000]}")
    found: dict[str, list[tuple[str, str]]] = {}
    for m in json.loads(done.stdout or "[]"):
        if m["Level"] == "Error":
            path = ".".join(str(p) for p in m["Location"].get("Path") or [])
            found.setdefault(m["Filename"], []).append((m["Rule"]["Id"], path))
    return found


def summarise(results: list[dict]) -> dict[str, int]:
    translated = [r for r in results if r["input_translates"]]
    return {
        "cases": len(results),
        "inputs translated": len(translated),
        "outputs translated": sum(r["output_translates"] for r in results),
        "rejected": sum(not r["output_translates"] for r in translated),
        "with new errors": sum(bool(r["new_errors"]) for r in results),
        "new errors": sum(len(r["new_errors"]) for r in results),
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

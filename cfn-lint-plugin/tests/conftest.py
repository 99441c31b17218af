"""Lints small templates with the plugin, in process (cfn-lint's API, as the CLI runs
it), and reports our findings as (rule id, message, line)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from cfn_lint_lambda_profiling import analysis, macro
from cfnlint.api import ManualArgs, lint_file

REPO = Path(__file__).resolve().parents[2]
PLUGIN = "cfn_lint_lambda_profiling"


def find_cli() -> str | None:
    named = os.environ.get(macro.ENV)
    if named:
        return shutil.which(named)
    built = REPO / "target" / "debug" / "lambda-profiling"
    return shutil.which(macro.NAME) or (str(built) if built.is_file() else None)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the nth line of `text` that holds `needle`."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} is not in the template"
    return hits[nth - 1]


@pytest.fixture
def lint(tmp_path, monkeypatch):
    """lint(text, name=..., cli=True|False, info=False, regions=[...], ids=...) -> matches;
    the plugin's errors and notes by default (W9501, the CLI missing, when `ids` asks)."""

    def run(text, name="template.yaml", cli=False, info=False, regions=("us-east-1",), ids=("E95", "I95")):
        analysis._told_once = False  # each test is its own cfn-lint run
        if cli:
            monkeypatch.setenv(macro.ENV, cli)
        else:  # no CLI anywhere
            monkeypatch.delenv(macro.ENV, raising=False)
            monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
        path = tmp_path / name
        path.write_text(text)
        config = ManualArgs(
            append_rules=[PLUGIN],
            regions=list(regions),
            include_checks=["I"] if info else [],
        )
        return [
            (m.rule.id, m.message, m.linenumber)
            for m in lint_file(path, config=config)
            if m.rule.id.startswith(ids)
        ]

    return run


@pytest.fixture
def cli():
    """The lambda-profiling CLI; a skip without it, a failure when CI requires it."""
    found = find_cli()
    if not found:
        if os.environ.get("LAMBDA_PROFILING_REQUIRE_CLI"):
            pytest.fail("LAMBDA_PROFILING_REQUIRE_CLI is set but the lambda-profiling CLI is not found")
        pytest.skip("the lambda-profiling CLI is not built (cargo build --bin lambda-profiling)")
    return found

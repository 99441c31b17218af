"""Everything the plugin finds in one template, worked out once and shared by its rules.

Each finding is (rule, path, message, location). The macro's own problems (from the
CLI) are kept only where the plugin's checks have not already said the same thing.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from copy import deepcopy
from typing import Any

from . import macro, source, values

SCHEMA, PARAMETERS, NO_TRANSFORM, ORDER, MACRO, FOR_EACH, NO_CLI, NO_VALUE = (
    "schema",
    "parameters",
    "no-transform",
    "order",
    "macro",
    "for-each",
    "no-cli",
    "no-value",
)
_ATTRIBUTE = "_lambda_profiling_analysis"
_told_once = False  # the "no CLI" line on stderr is printed once per cfn-lint run


def of(cfn) -> Analysis:
    """The template's analysis; the first call also takes `Profiling` out of the
    template cfn-lint's own rules check (rules' initialize runs before any rule matches)."""
    found = getattr(cfn, _ATTRIBUTE, None)
    if found is None:
        found = Analysis(cfn)
        setattr(cfn, _ATTRIBUTE, found)
        source.strip(cfn.template)
    return found


class Analysis:
    def __init__(self, cfn) -> None:
        self.cfn = cfn
        self.source = source.read(cfn)
        self.findings: list[tuple] = []
        self._check_schema()
        self._check_transforms()
        self._check_macro()

    def of_rule(self, rule: str) -> list[tuple]:
        return [f for f in self.findings if f[0] == rule]

    def _add(self, rule: str, path: tuple, message: str, tree: Any = None) -> None:
        location = source.locate(self.source.tree if tree is None else tree, path)
        self.findings.append((rule, path, message, location))

    def _check_schema(self) -> None:
        for path, value in self.source.sites:
            for at, message in values.profiling_problems(value, path):
                self._add(SCHEMA, at, message)
        if self.source.macro_path is not None:
            path = self.source.parameters_path
            for at, message in values.parameters_problems(self.source.parameters, path):
                self._add(PARAMETERS, at, message)

    def _check_transforms(self) -> None:
        src = self.source
        if src.macro_path is None:
            for path, _ in src.sites:
                self._add(
                    NO_TRANSFORM,
                    path,
                    "Profiling is read by the LambdaProfiling macro, which this template does not "
                    "declare: add LambdaProfiling to Transform (before AWS::Serverless-2016-10-31 "
                    "in a SAM template), or remove Profiling",
                )
            return
        lp, sam, le = src.index(source.MACRO), src.index(source.SAM), src.index(source.LANGUAGE_EXTENSIONS)
        if sam is not None and sam < lp:
            entry = source.walk(src.tree, src.macro_path)
            self._add(
                ORDER,
                src.macro_path + (("Name",) if isinstance(entry, dict) else ()),
                "list LambdaProfiling before AWS::Serverless-2016-10-31 in Transform: SAM runs the "
                "transforms in order and rejects the Profiling property it does not know",
            )
        if le is None or le > lp:
            for path in src.loops:
                self._add(
                    FOR_EACH,
                    path,
                    f"{path[-1]} may hold a profiled function, but LambdaProfiling runs before "
                    "AWS::LanguageExtensions expands the loop, so the macro cannot see the "
                    "functions: list AWS::LanguageExtensions before LambdaProfiling in Transform",
                )

    def _check_macro(self) -> None:
        global _told_once
        if self.source.macro_path is None:
            return  # the macro does not run on this template
        try:
            cli = macro.find()
            if not self.source.from_file:
                raise macro.CliError("the macro's own checks need the template as a file, not on stdin")
            problems, tree = self._run(cli)
        except macro.CliOff:
            return
        except macro.CliError as err:
            # A warning on every template, at its first line: a lint that passes without
            # the macro's checks must say so where the user looks.
            if not _told_once:
                _told_once = True
                print(f"cfn-lint-lambda-profiling: {err}", file=sys.stderr)
            self._add(NO_CLI, (), str(err))
            return
        for path, message in problems:
            if self._said_already(path) or self._order_said(path):
                continue
            missing = re.search(r"parameter (\S+?),? which has no value", message)
            if missing:
                self._add(NO_VALUE, path, _lint_time(message, missing.group(1)), tree)
            else:
                self._add(MACRO, path, message, tree)

    def _run(self, cli: str) -> tuple[list, Any]:
        """The macro's problems as (path, message), and the tree their paths name."""
        template, tree, scratch = self._macro_input()
        try:
            regions: dict[tuple, list] = {}
            for region in self.cfn.regions:
                for p in macro.expand(cli, template, region):
                    path = source.parse_path(tree, self.source.macro_path, p["path"])
                    regions.setdefault((path, p["message"]), []).append(region)
        finally:
            if scratch:
                os.unlink(scratch)
        everywhere = len(self.cfn.regions)
        return [
            (
                path,
                message if len(r) == everywhere or _names(message, r) else f"{message} (in {', '.join(r)})",
            )
            for (path, message), r in regions.items()
        ], tree

    def _macro_input(self) -> tuple[str, Any, str | None]:
        """The file the macro would get. With AWS::LanguageExtensions listed first, the
        macro gets the loops expanded, so it is given cfn-lint's expansion of them."""
        src = self.source
        lp, le = src.index(source.MACRO), src.index(source.LANGUAGE_EXTENSIONS)
        resources = src.tree.get("Resources")
        loops = isinstance(resources, dict) and any(
            isinstance(k, str) and k.startswith(source.FOR_EACH) for k in resources
        )
        if not (loops and le is not None and le < lp):
            return self.cfn.filename, src.tree, None
        expanded = _expand_loops(self.cfn, src.tree)
        handle, scratch = tempfile.mkstemp(suffix=".json", prefix="lambda-profiling-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(expanded, out, default=str)
        return scratch, expanded, scratch

    def _order_said(self, path: tuple) -> bool:
        """The macro's refusal of the transforms' order, which E9504 says already."""
        return bool(self.of_rule(ORDER)) and (not path or path[0] == "Transform")

    def _said_already(self, path: tuple) -> bool:
        """Whether a plugin check already reported on the value the macro's problem names:
        the same Profiling value, the transform's Parameters, or the same loop."""
        ours = [p for rule, p, _, _ in self.findings if rule in (SCHEMA, PARAMETERS, FOR_EACH)]
        roots = [site for site, _ in self.source.sites] + [self.source.parameters_path]
        for p in ours:
            root = next((r for r in roots if p[: len(r)] == r), p)
            if path[: len(root)] == root:
                return True
        return False


def _names(message: str, regions: list) -> bool:
    return all(region in message for region in regions)


def _lint_time(message: str, parameter: str) -> str:
    # Not an error: the stack gets the value at deploy time. (cfn-lint's --parameters
    # do not reach rules once a template has a Transform, so they cannot be passed on.)
    return (
        f"{message} (not checked at lint time: {parameter} gets its value at deploy time; "
        f"to check now: lambda-profiling expand --parameter {parameter}=VALUE TEMPLATE)"
    )


def _expand_loops(cfn, tree: dict) -> dict:
    """cfn-lint's own AWS::LanguageExtensions expansion of the source template."""
    try:  # a private module of cfn-lint, present from 1.x's start through 1.58
        from cfnlint.template import Template
        from cfnlint.template.transforms._language_extensions import language_extension
    except ImportError as err:
        raise macro.CliError(f"this cfn-lint cannot expand Fn::ForEach for the macro ({err})") from err
    matches, expanded = language_extension(Template(cfn.filename, deepcopy(tree), cfn.regions))
    if matches:
        raise macro.CliError("cfn-lint could not expand Fn::ForEach, so the macro's checks are skipped")
    return expanded

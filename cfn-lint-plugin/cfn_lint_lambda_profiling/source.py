"""The template as the macro sees it: its transforms, every `Profiling` it holds, its
`Fn::ForEach` loops, and the template lines that a path names.

cfn-lint hands rules a template it has already transformed (SAM `Globals` merged into
each function, `Fn::ForEach` expanded), so the source file is read again here.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from cfnlint.decode import decode

from .values import is_intrinsic

MACRO = "LambdaProfiling"
SAM = "AWS::Serverless-2016-10-31"
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")
FOR_EACH = "Fn::ForEach::"
FALSE = (False, "false", "False")

Location = tuple  # (line, column, end line, end column), 0-based as cfn-lint's marks


@dataclass
class Source:
    tree: dict
    from_file: bool  # False: cfn-lint's transformed copy (a template piped on stdin)
    transforms: list = field(default_factory=list)  # names, in order
    macro_path: tuple | None = None  # the LambdaProfiling entry of Transform
    parameters: Any = None
    sites: list = field(default_factory=list)  # (path of a Profiling, its value)
    loops: list = field(default_factory=list)  # paths of Fn::ForEach that may hold a profiled function

    def index(self, name: str) -> int | None:
        return self.transforms.index(name) if name in self.transforms else None

    @property
    def parameters_path(self) -> tuple:
        return (self.macro_path or ("Transform",)) + ("Parameters",)


def read(cfn) -> Source:
    """The source of the template cfn-lint is linting."""
    tree = None
    if cfn.filename and os.path.isfile(cfn.filename):
        tree, matches = decode(cfn.filename)
        if matches or not isinstance(tree, dict):
            tree = None
    source = Source(tree=tree if tree is not None else cfn.template, from_file=tree is not None)
    _read_transforms(source)
    _read_sites(source)
    return source


def _read_transforms(source: Source) -> None:
    declared = source.tree.get("Transform")
    entries = declared if isinstance(declared, list) else [declared]
    for i, entry in enumerate(entries):
        name = entry.get("Name") if isinstance(entry, dict) else entry
        source.transforms.append(name if isinstance(name, str) else None)
        if name == MACRO and source.macro_path is None:
            source.macro_path = ("Transform", i) if isinstance(declared, list) else ("Transform",)
            if isinstance(entry, dict):
                source.parameters = entry.get("Parameters")


def _read_sites(source: Source) -> None:
    tree = source.tree
    globals_function = _get(tree, "Globals", "Function")
    global_on = False
    if isinstance(globals_function, dict) and "Profiling" in globals_function:
        value = globals_function["Profiling"]
        source.sites.append((("Globals", "Function", "Profiling"), value))
        global_on = _may_be_on(value)
    default_on = isinstance(source.parameters, dict) and _may_be_on(source.parameters.get("Profiling", False))
    resources = tree.get("Resources")
    if not isinstance(resources, dict):
        return
    for name, resource in resources.items():
        if isinstance(name, str) and name.startswith(FOR_EACH):
            if _loop_may_profile(resource, default_on, global_on):
                source.loops.append(("Resources", name))
            continue
        props = resource.get("Properties") if isinstance(resource, dict) else None
        if _is_function(resource) and isinstance(props, dict) and "Profiling" in props:
            source.sites.append((("Resources", name, "Properties", "Profiling"), props["Profiling"]))


def _is_function(resource: Any) -> bool:
    return isinstance(resource, dict) and resource.get("Type") in FUNCTION_TYPES


def _may_be_on(value: Any) -> bool:
    """Whether a Profiling value could turn profiling on (a Ref could)."""
    if isinstance(value, dict) and not is_intrinsic(value):
        return value.get("Enabled", True) not in FALSE
    return value not in FALSE


def _loop_may_profile(loop: Any, default_on: bool, global_on: bool) -> bool:
    """Whether a `Fn::ForEach` body holds a function the macro would profile."""
    if not (isinstance(loop, list) and len(loop) == 3 and isinstance(loop[2], dict)):
        return False
    for key, body in loop[2].items():
        if isinstance(key, str) and key.startswith(FOR_EACH):
            if _loop_may_profile(body, default_on, global_on):
                return True
        elif _is_function(body):
            props = body.get("Properties")
            props = props if isinstance(props, dict) else {}
            if "Profiling" in props:
                if _may_be_on(props["Profiling"]):
                    return True
            elif default_on or (global_on and body["Type"] == FUNCTION_TYPES[1]):
                return True
    return False


def _get(tree: Any, *keys: str) -> Any:
    for k in keys:
        tree = tree.get(k) if isinstance(tree, dict) else None
    return tree


def strip(template: dict) -> None:
    """Removes what the macro removes (every function's `Profiling` and
    `Globals.Function.Profiling`), so that cfn-lint's own rules check the template
    that CloudFormation and SAM will get."""
    globals_function = _get(template, "Globals", "Function")
    if isinstance(globals_function, dict):
        globals_function.pop("Profiling", None)
    resources = template.get("Resources")
    for resource in resources.values() if isinstance(resources, dict) else ():
        props = resource.get("Properties") if _is_function(resource) else None
        if isinstance(props, dict):
            props.pop("Profiling", None)


_INDEXES = re.compile(r"^(.*?)((?:\[\d+\])*)$")


def parse_path(tree: dict, macro_path: tuple | None, text: str) -> tuple:
    """The macro's path (`Resources.F.Properties.Layers.Fn::If[1]`,
    `Transform(LambdaProfiling).Parameters.Tags.app.kubernetes.io/name`, ...) as keys
    of `tree`. A key holding dots is found by trying the longest known key."""
    path: list = []
    tokens = text.split(".") if text else []
    if tokens and tokens[0] == f"Transform({MACRO})":
        path = list(macro_path or ("Transform",))
        tokens = tokens[1:]
    node: Any = walk(tree, path)
    while tokens:
        take = 1
        if isinstance(node, dict):
            take = next((n for n in range(len(tokens), 1, -1) if _split(".".join(tokens[:n]))[0] in node), 1)
        token, tokens = ".".join(tokens[:take]), tokens[take:]
        steps = [token] if isinstance(node, dict) and token in node else _split(token)
        for step in steps:
            path.append(step)
            node = walk(node, [step])
    return tuple(path)


def _split(token: str) -> list:
    """`Layers[0][1]` is the key `Layers`, then the indexes 0 and 1."""
    key, indexes = _INDEXES.match(token).groups()
    return [key] + [int(i) for i in re.findall(r"\d+", indexes)]


def walk(node: Any, path) -> Any:
    for step in path:
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        else:
            return None
    return node


def locate(tree: Any, path) -> Location:
    """The line of the deepest part of `path` that the template has: a mapping's key,
    or a list's item."""
    found: Location = (0, 0, 0, 0)
    node = tree
    for step in path:
        if isinstance(node, dict):
            key = next((k for k in node if k == step), None)
            if key is None:
                break
            found = _mark(key) or found
            node = node[key]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
            found = _mark(node) or found
        else:
            break
    return found


def _mark(node: Any) -> Location | None:
    start, end = getattr(node, "start_mark", None), getattr(node, "end_mark", None)
    if start is None or end is None:
        return None
    return (start.line, start.column, end.line, end.column)

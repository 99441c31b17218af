"""Runs the macro itself, offline, through the `lambda-profiling` CLI:
`lambda-profiling expand --error-format json` exits 1 with `{"problems": [{path, message}]}`
on stderr when the macro would answer the template with a failure."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

ENV = "LAMBDA_PROFILING_CLI"
NAME = "lambda-profiling"
TIMEOUT = 60  # seconds; the macro answers a large template in milliseconds


class CliError(Exception):
    """The CLI is missing or did not answer as its contract says."""


class CliOff(Exception):
    """LAMBDA_PROFILING_CLI=off: the user chose the schema checks alone."""


def find() -> str:
    """The CLI's path: $LAMBDA_PROFILING_CLI, or `lambda-profiling` on PATH."""
    named = os.environ.get(ENV, "").strip()
    if named.lower() == "off":
        raise CliOff()
    if named:
        found = shutil.which(named)
        if not found:
            raise CliError(f"{ENV}={named} is not an executable file; fix the variable or unset it")
        return found
    found = shutil.which(NAME)
    if not found:
        raise CliError(
            f"the {NAME} CLI is not on PATH and {ENV} is not set, so the macro's own checks "
            f"(runtimes, layers, roles, ...) are skipped; the Profiling schema checks still run "
            f"(set {ENV}=off to skip them without this note)"
        )
    return found


def expand(cli: str, template: str, region: str) -> list[dict]:
    """The problems the macro finds in `template` (a file), [] when it expands it."""
    # Absolute, after `--`: a file named like an option (`--help`) or like stdin (`-`) is
    # still the template.
    command = [cli, "expand", "--error-format", "json", "--region", region, "--", os.path.abspath(template)]
    try:
        done = subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise CliError(f"{cli} could not be run: {err}") from err
    if done.returncode == 0:
        return []
    first_line = (done.stderr.strip().splitlines() or ["(nothing on stderr)"])[0]
    if done.returncode != 1:
        raise CliError(f"{cli} expand exited with {done.returncode}: {first_line}")
    try:
        problems = json.loads(done.stderr)["problems"]
        return [{"path": str(p["path"]), "message": str(p["message"])} for p in problems]
    except (ValueError, KeyError, TypeError) as err:
        raise CliError(
            f"{cli} expand --error-format json did not print its problems as JSON "
            f"({err}): {first_line}; is it an older lambda-profiling?"
        ) from err

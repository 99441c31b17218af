"""Installs what the agent suite (tests/agent.rs) runs, pinned, from PyPI.

Run by scripts/dev-tools with the tools' Python; safe to run again: a part whose pins
and interpreter have not changed is kept as it is. Into $LAMBDA_PROFILING_AGENT_TOOLS
(default <repo>/.venv-agent) it puts:

- python3.N/lib for every CPython 3.9 or later on this machine (pyenv's versions, then
  `python3.N` on PATH): the emulated runtime's own packages, as Lambda's python3.N
  runtime has them beside its interpreter (awslambdaric and boto3, from
  requirements-runtime*.txt), byte-compiled for that interpreter;
- agents/<version>: the CodeGuru Profiler Python agent at each version an agent layer
  ships (requirements-agents.txt); the suite lays them out as the layers do;
- wheels: the agent's wheel the self-built layer is built from (agent-layer/requirements.txt,
  by hash), for scripts/build-agent-layer --wheel-dir;
- runtimes.json: which interpreters were found and installed, and where it looked, so
  that the suite can say why a version it wants is missing.

Wheels only, for manylinux x86_64 (the one architecture the agent supports), with
--no-deps: every requirement is pinned, so nothing is resolved.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEST = Path(os.environ.get("LAMBDA_PROFILING_AGENT_TOOLS") or REPO / ".venv-agent")
OLDEST = 9  # python3.9: the last runtime agent layers 11 and 12 carry an agent for


def pip(*args):
    subprocess.run([sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check", *args], check=True)


def pyenv_root():
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    if shutil.which("pyenv"):
        out = subprocess.run(["pyenv", "root"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip())
    return Path.home() / ".pyenv"


def find_pythons():
    """{minor: interpreter path} and the places looked in."""
    found = {}
    versions = pyenv_root() / "versions"
    looked = [str(versions)]
    if versions.is_dir():
        for d in versions.iterdir():
            m = re.fullmatch(r"3\.(\d+)\.(\d+)", d.name)
            exe = d / "bin" / f"python3.{m.group(1)}" if m else None
            if exe and exe.is_file() and int(m.group(1)) >= OLDEST:
                minor, patch = int(m.group(1)), int(m.group(2))
                if minor not in found or patch > found[minor][1]:
                    found[minor] = (exe, patch)
    found = {minor: exe for minor, (exe, _) in found.items()}
    looked.append("PATH")
    for minor in range(OLDEST, 30):
        exe = shutil.which(f"python3.{minor}")
        if minor not in found and exe:
            found[minor] = Path(exe)
    # Keep only interpreters that run and are what their name says.
    checked = {}
    for minor, exe in sorted(found.items()):
        out = subprocess.run([str(exe), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip() == f"3.{minor}":
            checked[minor] = exe
    return checked, looked


def stamp_of(*parts):
    return hashlib.sha256("\n".join(str(p) for p in parts).encode()).hexdigest()


def up_to_date(dest, stamp):
    try:
        return (dest / ".stamp").read_text() == stamp
    except OSError:
        return False


def install_runtime(minor, exe):
    requirements = HERE / ("requirements-runtime-3.9.txt" if minor == 9 else "requirements-runtime.txt")
    dest = DEST / f"python3.{minor}"
    stamp = stamp_of(requirements.read_text(), exe)
    if not up_to_date(dest, stamp):
        shutil.rmtree(dest, ignore_errors=True)
        pip("install", "--no-deps", "--only-binary=:all:", "--platform", "manylinux2014_x86_64",
            "--implementation", "cp", "--python-version", f"3.{minor}",
            "--target", str(dest / "lib"), "-r", str(requirements))
        # Byte-compiled once here, not by every function the suite starts at once.
        subprocess.run([str(exe), "-m", "compileall", "-q", "-j", "0", str(dest / "lib")],
                       check=True, stdout=subprocess.DEVNULL)
        (dest / ".stamp").write_text(stamp)
        print(f"python3.{minor}: runtime packages installed in {dest}", file=sys.stderr)
    return {"interpreter": str(exe), "lib": str(dest / "lib"), "requirements": requirements.name}


def install_agents():
    agents = {}
    for line in (HERE / "requirements-agents.txt").read_text().splitlines():
        m = re.fullmatch(r"codeguru-profiler-agent==([\d.]+)", line.strip())
        if not m:
            continue
        version = m.group(1)
        dest = DEST / "agents" / version
        stamp = stamp_of(line.strip())
        if not up_to_date(dest, stamp):
            shutil.rmtree(dest, ignore_errors=True)
            pip("install", "--no-deps", "--no-compile", "--target", str(dest), line.strip())
            (dest / ".stamp").write_text(stamp)
            print(f"codeguru-profiler-agent {version} installed in {dest}", file=sys.stderr)
        agents[version] = str(dest)
    return agents


def download_layer_wheel():
    """The wheel the self-built agent layer is built from, by its hash
    (agent-layer/requirements.txt): the suite builds that layer from it, offline, with
    scripts/build-agent-layer --wheel-dir."""
    requirements = REPO / "agent-layer" / "requirements.txt"
    dest = DEST / "wheels"
    stamp = stamp_of(requirements.read_text())
    if not up_to_date(dest, stamp):
        shutil.rmtree(dest, ignore_errors=True)
        pip("download", "--no-deps", "--only-binary=:all:", "--require-hashes", "-r", str(requirements),
            "-d", str(dest))
        (dest / ".stamp").write_text(stamp)
        print(f"the self-built layer's agent wheel downloaded into {dest}", file=sys.stderr)
    return str(dest)


def main():
    DEST.mkdir(parents=True, exist_ok=True)
    pythons, looked = find_pythons()
    manifest = {"looked_in": looked, "pythons": {}, "failed": {}, "agents": install_agents(),
                "layer_wheels": download_layer_wheel()}
    for minor, exe in pythons.items():
        try:
            manifest["pythons"][f"3.{minor}"] = install_runtime(minor, exe)
        except subprocess.CalledProcessError as e:
            manifest["failed"][f"3.{minor}"] = f"installing its runtime packages failed: {e}"
            print(f"python3.{minor}: {manifest['failed'][f'3.{minor}']}", file=sys.stderr)
    (DEST / "runtimes.json").write_text(json.dumps(manifest, indent=2) + "\n")
    names = ", ".join(f"python{v}" for v in manifest["pythons"]) or "none"
    print(f"agent suite runtimes ready in {DEST}: {names}", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Extracts a layer zip as Lambda does: each entry with the Unix mode it records (Python's
zipfile alone drops it, and the exec wrapper must stay executable). Test-only.

    python3 unzip_as_lambda.py LAYER.zip DIR
"""
import sys
import zipfile
from pathlib import Path

zip_path, dest = sys.argv[1], Path(sys.argv[2])
with zipfile.ZipFile(zip_path) as z:
    for info in z.infolist():
        target = dest / info.filename
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(z.read(info))
        mode = (info.external_attr >> 16) & 0o777
        target.chmod(mode or 0o644)

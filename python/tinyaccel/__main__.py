"""``python -m tinyaccel ARGS`` (and the ``tinyaccel`` script pip installs) runs the CLI that
ships inside the package, on the same library the Python functions call."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    exe = Path(__file__).resolve().parent / "bin" / "tinyaccel"
    args = sys.argv[1:] if argv is None else argv
    if not os.access(exe, os.X_OK):
        print(f"tinyaccel: the command-line tool is missing from this installation ({exe}); "
              "reinstall with 'pip install .'", file=sys.stderr)
        return 2
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(exe, [str(exe), *args])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())

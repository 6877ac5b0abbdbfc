"""The installed ``simulate`` command: runs the scaling simulator of a checkout of this project.

The simulator replays load through the HPA and Auto Scaling settings the stack program declares, so it
needs that program (``stack/``, ``simulator/``), which the wheel does not ship. Run from the root of a
checkout (or with ``--cwd``), the command puts that folder first on ``sys.path`` and runs
``python -m simulator`` with the same arguments.
"""

from __future__ import annotations

import sys
from pathlib import Path


def cli() -> None:
    argv = sys.argv[1:]
    root = Path.cwd()
    if "--cwd" in argv:
        at = argv.index("--cwd")
        if at + 1 >= len(argv):
            sys.exit("simulate: --cwd needs a folder")
        root = Path(argv[at + 1])
        del argv[at:at + 2]
    if not (root / "simulator" / "__main__.py").exists() or not (root / "stack").is_dir():
        print(f"simulate: {root} is not a checkout of the scaling project (no simulator/ and stack/ there); run it "
              "from the repository root or pass --cwd DIR", file=sys.stderr)
        sys.exit(2)
    sys.path.insert(0, str(root.resolve()))
    sys.argv = ["simulate", *argv]
    from simulator.__main__ import cli as simulator_cli  # the checkout's own simulator
    simulator_cli()

"""`python -m bench NAME [ARGS...]` runs bench/NAME.py as `python -m bench.NAME ARGS...` would."""

import pkgutil
import runpy
import sys
from pathlib import Path

available = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))
if len(sys.argv) < 2 or sys.argv[1] not in available:
    sys.exit(f"usage: python -m bench NAME [ARGS...]\nbenchmarks: {', '.join(available)}")
name = sys.argv.pop(1)
sys.argv[0] = f"bench.{name}"
runpy.run_module(f"bench.{name}", run_name="__main__", alter_sys=True)

"""``python -m localcloud run``: the local cloud and the API in the foreground."""

from __future__ import annotations

import argparse
import sys

from localcloud.runner import run


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run it; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m localcloud")
    parser.add_argument("command", choices=["run"], help="run: start everything and serve until Ctrl-C")
    parser.parse_args(argv)
    return run()


if __name__ == "__main__":
    sys.exit(main())

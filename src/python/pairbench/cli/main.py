"""`pairbench <verb>`: one module per verb in this package, each with `add_arguments` and `run`."""

from __future__ import annotations

import argparse
import importlib
import sys

from pairbench import __version__

VERBS = {
    "check-config": "check_config",
    "select": "select",
    "build": "build",
    "datasets": "datasets",
    "environment": "environment",
    "validate": "validate",
    "launch": "launch",
    "rounds": "rounds",
    "analyse": "analyse",
    "report": "report",
    "scaling": "scaling",
    "compare": "compare_runs",  # a run against a baseline run (framework comparisons are `analyse`)
}


def build_parser(verb_given: str | None = None) -> argparse.ArgumentParser:
    """The parser; with a known verb, only that verb's module is imported.

    Every measured launch is a fresh `pairbench launch` process: it should not pay for importing the
    analysis and report stacks (pandas, DuckDB, matplotlib), nor need them installed.
    """
    parser = argparse.ArgumentParser(prog="pairbench", description="Paired Python-vs-Rust ML benchmarks.")
    parser.add_argument("--version", action="version", version=f"pairbench {__version__}")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    verbs = {verb_given: VERBS[verb_given]} if verb_given in VERBS else VERBS
    for verb, module_name in verbs.items():
        module = importlib.import_module(f"pairbench.cli.{module_name}")
        verb_parser = sub.add_parser(
            verb, help=module.__doc__.splitlines()[0] if module.__doc__ else None, description=module.__doc__
        )
        module.add_arguments(verb_parser)
        verb_parser.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pairbench.configuration.config import ConfigError

    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    try:
        return int(args.handler(args))
    except ConfigError as exc:
        print(f"pairbench {args.verb}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

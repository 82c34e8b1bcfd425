"""Output and work directories that a failed run does not leave behind empty.

A command creates its output folder before it knows whether anything will go in it; when the
run then fails (a model that does not load, no readable input, a refused export), an empty
folder is left where the user asked for results, and looks like a run that produced nothing.
Note what `missing_parents` would create before the run; after a failure, `remove_if_empty`
removes those folders again, deepest first, while they are empty (never one that existed
before, never one holding anything). The command line does this for the `--output` and
`--workdir` of every failed command (cli/main.py); `write_version` for an export's base.
"""

import os
from pathlib import Path


def missing_parents(path):
    """`path` and its missing ancestors, deepest first (what `mkdir(parents=True)` makes)."""
    created, path = [], Path(path).absolute()
    while not path.exists() and path != path.parent:
        created.append(path)
        path = path.parent
    return created


def remove_if_empty(directories):
    """rmdir each of `directories` (deepest first) while it is empty; stop at the first that
    is not (it holds something, or is a file); ones never created are passed over."""
    for directory in directories:
        if not os.path.lexists(directory):
            continue
        try:
            os.rmdir(directory)
        except OSError:  # not empty, or not a directory: leave it and what holds it
            return


"""TF Serving's `BASE/VERSION/` layout, written atomically.

TF Serving loads a numeric directory the moment it appears, so a version is written under a
temporary, non-numeric name inside BASE, validated, and only then renamed to its number (a
rename within one file system is atomic). An existing version is never overwritten.
"""

import errno
import os
import shutil
from pathlib import Path

from kerasvision.io.atomic_files import PARTIAL_MARKER, atomic_directory


def existing_versions(base):
    """Sorted integer versions present under `base`."""
    base = Path(base)
    if not base.is_dir():
        return []
    return sorted(int(p.name) for p in base.iterdir() if p.is_dir() and p.name.isdigit())


def next_version(base):
    """One more than the largest existing version, or 1."""
    versions = existing_versions(base)
    return versions[-1] + 1 if versions else 1


def write_version(base, write, validate=None, version=None):
    """Write a new version directory atomically.

    Args:
        base: the model's base directory (created if missing).
        write: callable(tmp_dir) that fills an empty, existing temporary directory.
        validate: optional callable(tmp_dir) that raises if the written files are wrong.
        version: integer version; default the next free one. An existing one raises.

    Returns:
        The final `Path` of the version directory.
    """
    from kerasvision.io.output_directories import missing_parents, remove_if_empty

    base = Path(base)
    created = missing_parents(base)
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"{base}: cannot create the export directory ({exc.strerror})") from exc
    try:
        return _write_version(base, write, validate, version)
    except BaseException:
        remove_if_empty(created)  # a failed first export leaves no empty BASE behind
        raise


def _write_version(base, write, validate, version):
    if not os.access(base, os.W_OK):
        raise PermissionError(f"{base}: export directory is not writable")
    version = next_version(base) if version is None else int(version)
    if version < 1:
        raise ValueError(f"version must be a positive integer, got {version}")
    final = base / str(version)
    if final.exists():
        raise FileExistsError(f"{final}: version {version} exists; versions are never overwritten")
    try:
        # Written as ".N.partial-XXXX" (never numeric), renamed without replacing anything.
        with atomic_directory(final) as tmp:
            write(Path(tmp))
            if validate is not None:
                validate(Path(tmp))
    except FileExistsError:
        raise FileExistsError(f"{final}: version {version} appeared while exporting; "
                              "versions are never overwritten") from None
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise OSError(f"{base}: disk full while exporting version {version}") from None
        raise
    return final


def remove_stale_temporaries(base):
    """Delete temporary directories a killed export left behind (they are never served)."""
    base = Path(base)
    for p in base.glob(f".*{PARTIAL_MARKER}*") if base.is_dir() else []:
        shutil.rmtree(p, ignore_errors=True)

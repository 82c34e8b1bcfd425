"""atomic_write and atomic_directory: all or nothing, never overwrite, crash-safe."""

import os
import signal
import stat
import subprocess
import sys
import textwrap

import pytest

import kerasvision
from kerasvision.io import atomic_files
from kerasvision.io.atomic_files import PARTIAL_MARKER, atomic_directory, atomic_write

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(kerasvision.__file__)))


def test_atomic_write_publishes_bytes_and_text(tmp_path):
    with atomic_write(tmp_path / "a.bin") as file:
        file.write(b"\x00\x01")
    with atomic_write(tmp_path / "labels.txt", "w") as file:
        file.write("chat\nchien ü\n")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "labels.txt").read_text(encoding="utf-8") == "chat\nchien ü\n"
    assert sorted(os.listdir(tmp_path)) == ["a.bin", "labels.txt"]  # no leftovers


def test_target_is_invisible_until_the_block_ends(tmp_path):
    target = tmp_path / "model.json"
    with atomic_write(target, "w") as file:
        file.write("{}")
        assert not target.exists()
        [partial] = os.listdir(tmp_path)
        assert partial.startswith(".model.json" + PARTIAL_MARKER)
    assert target.read_text() == "{}"


def test_atomic_write_never_overwrites(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("original")
    with pytest.raises(FileExistsError):
        with atomic_write(target, "w") as file:
            file.write("new")
    assert target.read_text() == "original"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_target_appearing_during_the_write_is_not_overwritten(tmp_path):
    target = tmp_path / "a.txt"
    with pytest.raises(FileExistsError):
        with atomic_write(target, "w") as file:
            file.write("mine")
            target.write_text("someone else's")
    assert target.read_text() == "someone else's"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_error_inside_the_block_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_write(tmp_path / "a.txt", "w") as file:
            file.write("half")
            raise RuntimeError("disk full, say")
    assert os.listdir(tmp_path) == []


def test_published_file_has_ordinary_permissions(tmp_path):
    with atomic_write(tmp_path / "a.txt", "w") as file:
        file.write("x")
    umask = atomic_files._current_umask()
    assert stat.S_IMODE(os.stat(tmp_path / "a.txt").st_mode) == 0o666 & ~umask


def test_atomic_directory_publishes_a_complete_tree(tmp_path):
    target = tmp_path / "fashion" / "1"
    target.parent.mkdir()
    with atomic_directory(target) as partial:
        assert os.path.dirname(partial) == str(target.parent)
        assert not os.path.basename(partial).isdigit()  # TF Serving ignores it
        os.makedirs(os.path.join(partial, "variables"))
        with open(os.path.join(partial, "saved_model.pb"), "wb") as file:
            file.write(b"pb")
        assert not target.exists()
    assert sorted(os.listdir(target)) == ["saved_model.pb", "variables"]
    assert os.listdir(target.parent) == ["1"]
    umask = atomic_files._current_umask()
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o777 & ~umask


@pytest.mark.parametrize("existing", ["empty directory", "full directory", "file"])
def test_atomic_directory_never_replaces(tmp_path, existing):
    target = tmp_path / "1"
    if existing == "file":
        target.write_text("x")
    else:
        target.mkdir()
        if existing == "full directory":
            (target / "keep.txt").write_text("keep")
    with pytest.raises(FileExistsError):
        with atomic_directory(target):
            pass
    assert os.listdir(tmp_path) == ["1"]


def test_empty_directory_appearing_during_the_write_is_not_replaced(tmp_path):
    # os.rename would silently replace an empty directory; the publish must refuse.
    target = tmp_path / "2"
    with pytest.raises(FileExistsError):
        with atomic_directory(target) as partial:
            (tmp_path / "2").mkdir()
            open(os.path.join(partial, "saved_model.pb"), "wb").close()
    assert os.listdir(target) == []
    assert os.listdir(tmp_path) == ["2"]


def test_fallback_rename_without_renameat2_still_refuses(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic_files, "_libc_renameat2", lambda: None)
    with atomic_directory(tmp_path / "3") as partial:
        open(os.path.join(partial, "a"), "w").close()
    assert os.listdir(tmp_path / "3") == ["a"]
    with pytest.raises(FileExistsError):
        with atomic_write(tmp_path / "3", "w"):
            pass


def test_error_inside_directory_block_leaves_nothing(tmp_path):
    with pytest.raises(KeyError):
        with atomic_directory(tmp_path / "1") as partial:
            open(os.path.join(partial, "half.pb"), "wb").close()
            raise KeyError("export failed")
    assert os.listdir(tmp_path) == []


CRASHING_WRITER = textwrap.dedent("""
    import os, sys, time
    from kerasvision.io.atomic_files import atomic_directory, atomic_write
    kind, target = sys.argv[1], sys.argv[2]
    if kind == "file":
        with atomic_write(target) as file:
            file.write(b"x" * 100_000)
            file.flush()
            print("half written", flush=True)
            time.sleep(60)
            file.write(b"the rest")
    else:
        with atomic_directory(target) as partial:
            with open(os.path.join(partial, "saved_model.pb"), "wb") as file:
                file.write(b"x" * 100_000)
            print("half written", flush=True)
            time.sleep(60)
""")


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("kind", ["file", "directory"])
def test_killed_writer_leaves_the_target_untouched(tmp_path, kind):
    target = tmp_path / ("model.keras" if kind == "file" else "1")
    environment = dict(os.environ, PYTHONPATH=REPO_ROOT)
    writer = subprocess.Popen([sys.executable, "-c", CRASHING_WRITER, kind, str(target)],
                              stdout=subprocess.PIPE, text=True, env=environment)
    try:
        assert writer.stdout.readline().strip() == "half written"
        writer.send_signal(signal.SIGKILL)  # a crash: no cleanup code runs
    finally:
        writer.wait(timeout=30)
        writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    assert not target.exists()
    [leftover] = os.listdir(tmp_path)
    assert leftover.startswith(f".{target.name}{PARTIAL_MARKER}")
    assert not leftover.isdigit()
    # The next attempt is not blocked by the leftover.
    if kind == "file":
        with atomic_write(target) as file:
            file.write(b"complete")
        assert target.read_bytes() == b"complete"
    else:
        with atomic_directory(target) as partial:
            open(os.path.join(partial, "saved_model.pb"), "wb").close()
        assert os.listdir(target) == ["saved_model.pb"]


def test_invalid_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="mode"):
        with atomic_write(tmp_path / "a", "a"):
            pass

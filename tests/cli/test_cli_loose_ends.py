"""Issue 15 §4, the loose ends a user hit: what a registry name's weights are, exit codes,
`--json` with failed files, quiet stderr, no empty folders after a failed run, our messages."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from kerasvision.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run(capsys, *args):
    """`kerasvision ARGS` in this process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.fixture
def offline(monkeypatch):
    import keras

    def no_network(*args, **kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...")

    monkeypatch.setattr(keras.utils, "get_file", no_network)


def test_a_registry_name_means_its_published_weights(capsys, offline):
    # Before: random weights, "class_211 0.343", exit 0.
    code, out, err = run(capsys, "classify", str(EXAMPLES / "sneaker.png"), "--model", "resnet50")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "could not be downloaded" in err and "--weights none" in err
    assert "weights=" not in err  # the Python API's advice is not the command line's


def test_no_published_weights_is_a_usage_error_and_none_warns(capsys):
    code, out, err = run(capsys, "classify", str(EXAMPLES / "bag.png"), "--model", "lenet5")
    assert code == 2 and out == "" and "lenet5 has no published weights" in err
    code, out, err = run(capsys, "classify", str(EXAMPLES / "bag.png"), "--model", "lenet5",
                         "--weights", "none", "--top-k", "2")
    assert code == 0 and out.startswith(str(EXAMPLES / "bag.png") + ": class_")
    assert err == ("kerasvision: warning: lenet5 with random weights (--weights none): its "
                   "answers are meaningless\n")


def test_visualize_treats_registry_weights_the_same(capsys, tmp_path, offline):
    png = str(tmp_path / "f.png")
    code, _, err = run(capsys, "visualize", "filters", "lenet5", "-o", png)
    assert code == 2 and "no published weights" in err
    code, _, err = run(capsys, "visualize", "filters", "resnet50", "-o", png)
    assert code == 1 and "could not be downloaded" in err
    code, out, err = run(capsys, "visualize", "filters", "lenet5", "--weights", "none", "-o", png)
    assert code == 0 and "random weights" in err and os.path.isfile(png)
    code, _, err = run(capsys, "visualize", "receptive-field", "lenet5", "-o", png)
    assert code == 0 and err == ""  # geometry needs no weights: no warning


@pytest.mark.parametrize("args, said", [
    (("classify", "x.png", "--model", "no_such_net"), "unknown model 'no_such_net'"),
    (("info", "resnet18", "--input-shape", "224,abc"), "positive integers"),
    (("classify", "x.png", "--debug"), "goes before the command"),
    (("visualize", "patches", str(ROOT / "saved_models" / "fashion_mnist_classifier" /
                                  "model.keras"), "--images", str(EXAMPLES),
      "--layer", "no_such_layer", "-o", "p.png"), "no top-level layer 'no_such_layer'"),
    (("models", "--task", "nothing"), "Invalid value for '--task'"),
])
def test_usage_errors_exit_2_in_one_line(capsys, args, said):
    code, out, err = run(capsys, *args)
    # Before: exit 1 for the unknown names, and a traceback for `classify --debug`.
    assert code == 2 and out == "", err
    assert err.startswith("kerasvision: error: ") and err.count("\n") == 1 and said in err, err


@pytest.fixture(scope="module")
def folder_with_a_bad_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    for name in ("bag", "dress"):
        Image.open(EXAMPLES / f"{name}.png").save(folder / f"{name}.png")
    (folder / "broken.png").write_bytes(b"not a png")
    return folder


def test_classify_json_lists_failed_files_in_order(capsys, folder_with_a_bad_file):
    code, out, err = run(capsys, "classify", str(folder_with_a_bad_file), "--json")
    entries = json.loads(out)
    assert code == 1
    assert [Path(e["image"]).name for e in entries] == ["bag.png", "broken.png", "dress.png"]
    assert "not an image" in entries[1]["error"] and "predictions" not in entries[1]
    assert entries[0]["predictions"][0]["label"] == "Bag"
    assert err.count("\n") == 1 and "broken.png" in err


def test_visualize_patches_exits_1_after_skipping_a_bad_file(capsys, folder_with_a_bad_file,
                                                             tmp_path):
    model = str(ROOT / "saved_models" / "fashion_mnist_classifier" / "model.keras")
    png = tmp_path / "patches.png"
    code, out, err = run(capsys, "visualize", "patches", model, "--images",
                         str(folder_with_a_bad_file), "--filters", "2", "--top", "2",
                         "-o", str(png))
    assert code == 1 and png.is_file()  # before: exit 0
    assert "skipping" in err and "broken.png" in err
    assert "stage2_unit1_conv2" in out and "field 17x17" in out  # the default layer


def test_failed_runs_leave_no_empty_folders(capsys, tmp_path):
    workdir = tmp_path / "runs" / "x"
    code, _, _ = run(capsys, "train", "classifier", "--data", str(tmp_path / "missing"),
                     "--workdir", str(workdir), "--epochs", "1")
    assert code == 1 and not (tmp_path / "runs").exists()  # before: runs/x left, empty
    junk = tmp_path / "model.pb"
    junk.write_text("not a model")
    code, _, err = run(capsys, "export", str(junk), "--output=" + str(tmp_path / "served"))
    assert code == 1 and not (tmp_path / "served").exists()
    # Messages are ours: Keras's advice (TFSMLayer, Python syntax) is not for the command line.
    assert "not a Keras model file" in err and "TFSMLayer" not in err and "keras." not in err
    code, _, _ = run(capsys, "detect", str(tmp_path / "missing.png"), "--output",
                     str(tmp_path / "drawn"))
    assert code == 1 and not (tmp_path / "drawn").exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    code, _, _ = run(capsys, "detect", str(tmp_path / "missing.png"), "--output", str(kept))
    assert code == 1 and kept.is_dir()  # a folder that existed before is the user's


def test_python_m_kerasvision_with_stderr_not_a_terminal(tmp_path):
    for i in range(21):  # more than 20 files: the progress bar's threshold
        Image.open(EXAMPLES / "bag.png").save(tmp_path / f"bag{i:02d}.png")
    proc = subprocess.run([sys.executable, "-m", "kerasvision", "classify", str(tmp_path),
                           "--top-k", "1"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    # Before: `No module named kerasvision.__main__`; and a "classifying" line on stderr.
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert len(proc.stdout.splitlines()) == 21


def test_every_option_has_help_text():
    import click

    from kerasvision.cli.main import cli

    ctx = click.Context(cli)

    def commands(command, path):
        yield path, command
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                yield from commands(command.get_command(ctx, name), f"{path} {name}")

    missing = [f"{path} {'/'.join(p.opts)}" for path, command in commands(cli, "kerasvision")
               for p in command.params if isinstance(p, click.Option) and not p.help]
    assert missing == []  # before: --top-k, --batch-size, train's --seed, ...

"""`kerasvision train classifier` as a user runs it: JSON on stdout, a moving progress bar on
stderr, re-runs that resume / say they are finished / continue / start over, checkpoints that
carry class names, publishing without retraining, and one-line refusals.

Each run goes through `kerasvision.cli.main.main` in this process (what the console script
calls), on a tiny folder of two classes of 28×28 grey PNGs, with LeNet-5 (60k weights).
"""

import contextlib
import io
import json
import shutil
import warnings

import numpy as np
import pytest

from kerasvision.cli.main import main
from two_class_folder import write_two_class_folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two classes (dark, light) of 12 noisy 28×28 grey PNGs each (≈19 train, 5 held out)."""
    return write_two_class_folder(tmp_path_factory.mktemp("images"), 12)


def run(capsys, *args):
    """(exit code, stdout, stderr) of `kerasvision train classifier ARGS`."""
    with pytest.raises(SystemExit) as exited:
        main(["train", "classifier", *map(str, args)])
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


def lenet_args(folder, workdir, *more):
    return ("--data", folder, "--model", "lenet5", "--batch-size", 4, "--workdir", workdir, *more)


def history_rows(workdir):
    lines = (workdir / "history.csv").read_text().splitlines()[1:]
    return [int(line.split(",")[0]) for line in lines]


def epoch_seconds(workdir):
    return [float(line.split(",")[1])
            for line in (workdir / "epoch_seconds.csv").read_text().splitlines()]


@pytest.fixture(scope="module")
def finished_run(folder, tmp_path_factory):
    """A finished 2-epoch run: (workdir, exit code, stdout, stderr, warnings raised)."""
    workdir = tmp_path_factory.mktemp("runs") / "lenet"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):  # module scope
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(SystemExit) as exited:
                main(["train", "classifier",
                      *map(str, lenet_args(folder, workdir, "--epochs", 2))])
    return workdir, exited.value.code, out.getvalue(), err.getvalue(), caught


def test_stdout_is_the_json_summary_and_stderr_a_moving_bar(finished_run):
    workdir, code, out, err, caught = finished_run
    assert code == 0, err[-2000:]
    summary = json.loads(out)  # stdout holds the summary and nothing else
    assert summary["trained_this_run"] is True and summary["epochs"] == 2
    assert 0.0 <= summary["test_accuracy"] <= 1.0
    # The bar moves within each epoch: steps done of steps, time left and the loss...
    assert "epoch 1/2 [" in err and " left  loss " in err
    assert any(f"] {done}/" in err for done in (1, 2)), err
    # ... and each epoch ends with one line of its metrics.
    assert "epoch 2/2  " in err and "val_accuracy" in err
    assert not any("shuffle" in str(w.message) for w in caught), [str(w.message) for w in caught]
    assert "Epoch 1/2" not in out + err  # Keras's own progress is not used


def test_last_checkpoint_carries_the_class_names(finished_run):
    from kerasvision.tasks.image_classifier import ImageClassifier

    workdir = finished_run[0]
    checkpoint = ImageClassifier.load(workdir / "last.keras")
    assert checkpoint.class_names == ["dark", "light"]
    assert checkpoint.predict(np.full((28, 28, 1), 190, np.uint8))[0][0].label in ("dark", "light")


def test_rerun_finished_continue_and_restart(finished_run, tmp_path, capsys):
    workdir = tmp_path / "lenet"
    shutil.copytree(finished_run[0], workdir)
    folder = json.loads((workdir / "config.json").read_text())["data"]
    first = json.loads((workdir / "summary.json").read_text())
    checkpoint_time = (workdir / "last.keras").stat().st_mtime_ns

    # The same command again: finished, nothing trained, the stored summary on stdout.
    code, out, err = run(capsys, *lenet_args(folder, workdir, "--epochs", 2))
    assert code == 0, err
    assert "finished (2 epochs trained)" in err and "epoch 1/2" not in err
    assert json.loads(out)["trained_this_run"] is False
    assert history_rows(workdir) == [0, 1]
    assert (workdir / "last.keras").stat().st_mtime_ns == checkpoint_time

    # A larger --epochs continues from the last epoch; the minutes add up.
    code, out, err = run(capsys, *lenet_args(folder, workdir, "--epochs", 3))
    assert code == 0, err
    assert "resuming at epoch 3 of 3" in err and "epoch 1/3" not in err
    assert history_rows(workdir) == [0, 1, 2]  # no epoch twice
    summary = json.loads(out)
    seconds = epoch_seconds(workdir)
    assert len(seconds) == 3
    assert summary["train_minutes_total"] == round(sum(seconds) / 60, 2)
    assert summary["train_minutes_this_run"] == round(seconds[2] / 60, 2)
    assert summary["train_minutes_total"] >= summary["train_minutes_this_run"]
    assert summary["train_minutes_total"] == pytest.approx(
        first["train_minutes_total"] + summary["train_minutes_this_run"], abs=0.011)

    # --restart starts over (and --quiet keeps stderr free of progress).
    code, out, err = run(capsys, *lenet_args(folder, workdir, "--epochs", 1, "--restart",
                                             "--quiet"))
    assert code == 0, err
    assert "epoch" not in err and "resuming" not in err
    assert history_rows(workdir) == [0] and len(epoch_seconds(workdir)) == 1
    assert json.loads(out)["train_minutes_total"] == round(epoch_seconds(workdir)[0] / 60, 2)


def test_publish_only_publishes_the_run_without_training(finished_run, tmp_path, capsys):
    from kerasvision.tasks.image_classifier import ImageClassifier

    workdir = finished_run[0]
    rows = history_rows(workdir)
    output = tmp_path / "shipped"
    code, out, err = run(capsys, "--workdir", workdir, "--publish-only", "--output", output)
    assert code == 0, err
    published = json.loads(out)["published"]  # stdout stays JSON through the export
    assert published["epochs"] == 2 and published["version_dir"] == "1"
    assert history_rows(workdir) == rows  # nothing trained
    assert ImageClassifier.load(output / "model.keras").class_names == ["dark", "light"]
    assert (output / "1" / "saved_model.pb").is_file()
    card = (output / "MODEL_CARD.md").read_text()
    assert "AdamW" in card and "--publish-only" not in card
    # The card shows the command that trained the run, not the publishing one.
    assert "kerasvision train classifier --data " in card and "--model lenet5" in card


def test_refusals_are_one_line_with_exit_code_2(finished_run, capsys):
    workdir = finished_run[0]
    for args, said in [
        (("--model", "perceptron"), "perceptron is a classic model, not an image "
                                    "classification architecture"),
        (("--model", "lenet_5"), "unknown model 'lenet_5'"),
        (("--model", "resnet20", "--workdir", workdir),
         "holds a run with other settings (model 'lenet5' -> 'resnet20'"),
        (("--model-arg", "width"), "expected KEY=VALUE"),
        (("--model", "lenet5", "--model-arg", "depth=3"), "lenet5 takes no argument 'depth' "
                                                           "(it takes: modern)"),
        (("--model-arg", "classes=3"), "classes is set by the data"),
        (("--publish-only",), "--publish-only needs --output"),
    ]:
        code, out, err = run(capsys, *args)
        assert code == 2, (args, err)
        assert out == "" and said in err and err.count("\n") == 1, (args, err)

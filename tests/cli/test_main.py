"""The command line's first impression: lazy imports, the catalogue, one-line errors."""

import json
import os
import subprocess
import sys

import kerasvision

KV = [sys.executable, "-m", "kerasvision.cli.main"]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def run(*args):
    return subprocess.run([*KV, *args], capture_output=True, text=True, env=ENV)


def test_help_and_version_do_not_import_tensorflow():
    code = ("import sys; from kerasvision.cli.main import cli\n"
            "for args in (['--help'], ['--version'], ['classify', '--help']):\n"
            "    try: cli.main(args=args, standalone_mode=False)\n"
            "    except SystemExit: pass\n"
            "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n"
            "assert 'keras' not in sys.modules, 'keras imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_version():
    proc = run("--version")
    assert proc.returncode == 0 and kerasvision.__version__ in proc.stdout


def test_help_lists_the_commands():
    out = run("--help").stdout
    for command in ("classify", "models", "info", "export", "train"):
        assert command in out


def test_models_json_is_the_registry():
    from kerasvision.models import list_models

    proc = run("models", "--json")
    assert proc.returncode == 0
    rows = json.loads(proc.stdout)
    from kerasvision.cli.models_command import natural_key

    assert [r["name"] for r in rows] == sorted(list_models(), key=natural_key)
    wrn = next(r for r in rows if r["name"] == "wrn_16_2")
    assert wrn["task"] == "classification" and "Zagoruyko" in wrn["paper"]
    assert wrn["params"] == 691_674
    assert proc.stderr == ""  # TensorFlow's start-up lines stay off the user's stderr


def test_models_task_filter():
    rows = json.loads(run("models", "--task", "classification", "--json").stdout)
    assert rows and all(r["task"] == "classification" for r in rows)


def test_unknown_model_is_one_line_with_suggestions(tmp_path):
    proc = run("classify", str(tmp_path), "--model", "wrn_16_3")
    assert proc.returncode == 2  # a usage error
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown model 'wrn_16_3'" in lines[0] and "wrn_16_2" in lines[0]
    assert "Traceback" not in proc.stderr


def test_usage_error_exit_code_two():
    proc = run("classify")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["kerasvision: error: Missing argument 'INPUTS...'."]


def test_debug_shows_the_traceback(tmp_path):
    proc = run("--debug", "classify", str(tmp_path), "--model", "wrn_16_3")
    assert proc.returncode != 0 and "Traceback" in proc.stderr

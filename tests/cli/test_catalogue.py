"""`kerasvision models` reads as a table people can trust, and agrees with `info` (issue 15)."""

import json

import pytest

from kerasvision.cli.main import main
from kerasvision.cli.models_command import natural_key


def run(capsys, *args):
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_header_natural_order_and_what_the_counts_are(capsys):
    code, out, err = run(capsys, "models", "--task", "classification")
    lines = out.splitlines()
    assert code == 0 and err == ""
    assert lines[0].split() == ["NAME", "TASK", "PARAMETERS", "COUNT", "PAPER"]  # before: none
    names = [line.split()[0] for line in lines[1:] if line.strip() and "  " in line]
    assert names.index("resnet18") < names.index("resnet34") < names.index("resnet50") \
        < names.index("resnet101") < names.index("resnet152")  # before: resnet101 first
    rows = {line.split()[0]: line for line in lines[1:] if line.strip()}
    assert " ~1,700,000  trainable " in rows["resnet110"]  # the paper's "1.7M": rounded
    assert " 25,636,712  total " in rows["resnet50"]  # keras.applications: exact
    assert "exact unless marked '~'" in out and "'trainable' only the trained ones" in out


def test_lenet5_catalogue_and_info_agree(capsys):
    _, out, _ = run(capsys, "models", "--task", "classification")
    row = next(line for line in out.splitlines() if line.startswith("lenet5 "))
    assert " 60,000  trainable + 840 fixed RBF codes " in row
    code, out, _ = run(capsys, "info", "lenet5")
    # Before: "lenet5: 60,840 parameters" beside the catalogue's 60,000.
    assert code == 0
    assert out.splitlines()[0] == ("lenet5: 60,840 parameters (60,000 trainable + 840 fixed "
                                   "RBF codes)")
    code, out, _ = run(capsys, "info", "lenet5", "--json")
    info = json.loads(out)
    assert (info["params"], info["trainable_params"]) == (60_840, 60_000)


def test_registered_fixed_counts_are_the_builds(capsys):
    from kerasvision.models import build, list_models, model_info

    fixed = {n: model_info(n)["reference"]["fixed"] for n in list_models()
             if model_info(n)["reference"].get("fixed")}
    assert set(fixed) == {"lenet5"}
    model = build("lenet5")
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    assert model.count_params() - trainable == fixed["lenet5"][0]  # LeCun et al. 1998 §II.B


def test_json_says_exact_or_rounded_and_which_count(capsys):
    _, out, _ = run(capsys, "models", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert [r for r in rows] == sorted(rows, key=natural_key)
    assert (rows["lenet5"]["params_count"], rows["lenet5"]["params_exact"],
            rows["lenet5"]["params_fixed"]) == ("trainable", True, 840)
    assert rows["resnet110"]["params_exact"] is False
    assert rows["perceptron"]["params_count"] is None


def test_a_task_without_models_says_so(capsys, monkeypatch):
    import kerasvision.models

    monkeypatch.setattr(kerasvision.models, "list_models", lambda task=None: [])
    code, out, _ = run(capsys, "models", "--task", "detection")
    assert code == 0 and out == "no models registered for task 'detection'\n"  # before: ""

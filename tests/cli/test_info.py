"""`kerasvision info`: table and JSON for a .keras file and a registered name; one-line errors."""

import json

import keras
import pytest
from click.testing import CliRunner

from kerasvision.cli.main import cli, main
from kerasvision.layers.max_pooling_with_argmax_2d import MaxPoolingWithArgmax2D
from kerasvision.layers.max_unpooling_2d import MaxUnpooling2D
from kerasvision.registry import ModelSpec, _REGISTRY

L = keras.layers


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    inputs = keras.Input((None, None, 3))
    x = L.Conv2D(10, 5, padding="same", name="conv")(inputs)
    pooled, argmax = MaxPoolingWithArgmax2D(2, name="pool")(x)
    x = MaxUnpooling2D(2, name="unpool")([pooled, argmax])
    path = tmp_path_factory.mktemp("info") / "tiny.keras"
    keras.Model(inputs, x, name="tiny_net").save(path)
    return str(path)


def _run(args):
    return CliRunner().invoke(cli, args, obj={})


def test_json_for_a_keras_file_with_input_shape(saved_model):
    result = _run(["info", saved_model, "--input-shape", "32,32,3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    rows = {r["name"]: r for r in data["layers"]}
    assert data["params"] == 760
    assert rows["conv"]["output_shape"] == [None, 32, 32, 10]
    assert rows["conv"]["macs"] == 32 * 32 * 10 * 76 - 32 * 32 * 10  # no bias MACs
    assert rows["pool"]["rf_size"] == [6, 6]
    assert rows["unpool"]["output_shape"] == [None, 32, 32, 10]


def test_text_table_for_a_keras_file(saved_model):
    result = _run(["info", saved_model])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "tiny_net: 760 parameters (all trainable)"
    conv = next(line for line in result.output.splitlines() if line.startswith("conv"))
    assert "5x5" in conv and "760" in conv and "?" in conv  # MACs unknown without a size


def test_registered_name_builds_with_input_shape(monkeypatch):
    seen = {}

    def builder(input_shape=(28, 28, 1), classes=10):
        """A tiny registered model for this test."""
        seen["input_shape"] = input_shape
        inputs = keras.Input(input_shape)
        x = L.Conv2D(4, 3, strides=2, name="c")(inputs)
        return keras.Model(inputs, L.Dense(classes, name="head")(L.Flatten()(x)))

    monkeypatch.setitem(_REGISTRY, "info-test-net", ModelSpec(
        "info-test-net", builder, "classification", "test", None, None, None))
    result = _run(["info", "info-test-net", "--input-shape", "9,9,1", "--json"])
    assert result.exit_code == 0, result.output
    assert seen["input_shape"] == (9, 9, 1)
    rows = {r["name"]: r for r in json.loads(result.output)["layers"]}
    assert rows["c"]["output_shape"] == [None, 4, 4, 4] and rows["c"]["rf_jump"] == [2, 2]


def test_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"not a zip")
    for args, expected, code in (
            (["info", str(bad)], "broken.keras: not a .keras file (a .keras file is a zip", 1),
            (["info", "no-such-model-xyz"], "unknown model", 2),  # a usage error
            (["info", str(tmp_path / "missing.keras")], "no such file", 1)):
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        assert exit_info.value.code == code
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and expected in err, err


def test_bad_input_shape_is_a_usage_error(saved_model):
    result = _run(["info", saved_model, "--input-shape", "a,b"])
    assert result.exit_code == 2 and "positive integers" in result.output

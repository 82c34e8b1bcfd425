"""`kerasvision visualize patches|activations|filters|receptive-field` write readable PNGs."""

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import keras

from kerasvision.cli.main import cli, main

L = keras.layers


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("visualize")
    keras.utils.set_random_seed(11)
    inputs = keras.Input((24, 24, 3))
    x = L.Rescaling(1 / 255.0)(inputs)
    x = L.Conv2D(8, 5, padding="same", activation="relu", name="conv1")(x)
    x = L.MaxPooling2D(2, name="pool1")(x)
    x = L.Conv2D(6, 3, padding="same", activation="relu", name="conv2")(x)
    x = L.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, L.Dense(3, activation="softmax")(x), name="viz_net")
    model.save(root / "viz_net.keras")
    images = root / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    for k in range(6):
        size = (30 + 4 * k, 28)  # the command resizes to the model's 24x24
        Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(
            images / f"img{k}.png")
    (images / "notes.png").write_text("not an image")
    return root


def _invoke(args, exit_code=0):
    result = CliRunner().invoke(cli, args, obj={})
    assert result.exit_code == exit_code, result.output
    return result.output


def _png_size(path):
    with Image.open(path) as png:
        assert png.format == "PNG"
        assert np.asarray(png.convert("L")).std() > 5
        return png.size


def test_patches(workspace):
    out = workspace / "patches.png"
    text = _invoke(["visualize", "patches", str(workspace / "viz_net.keras"),
                    "--images", str(workspace / "images"), "--filters", "4", "--top", "5",
                    "-o", str(out)], exit_code=1)  # notes.png was skipped
    # conv2 after a 5x5 conv and a 2x2 pool: 5 + 1 + 2*2 = 10 pixels.
    assert "top 5 patches of 4 filters of conv2 over 6 images (field 10x10)" in text
    width, height = _png_size(out)
    assert width > height  # 5 columns, 4 rows


def test_patches_of_a_named_layer(workspace):
    out = workspace / "patches_conv1.png"
    text = _invoke(["visualize", "patches", str(workspace / "viz_net.keras"),
                    "--images", str(workspace / "images"), "--layer", "conv1", "-o", str(out)],
                   exit_code=1)  # notes.png was skipped
    assert "of conv1" in text and "(field 5x5)" in text
    _png_size(out)


def test_activations(workspace):
    out = workspace / "maps.png"
    text = _invoke(["visualize", "activations", str(workspace / "viz_net.keras"),
                    str(workspace / "images" / "img0.png"), "--layer", "conv1", "-o", str(out)])
    assert "8 of 8 maps of conv1 (24x24)" in text
    _png_size(out)


def test_filters(workspace):
    out = workspace / "filters.png"
    text = _invoke(["visualize", "filters", str(workspace / "viz_net.keras"), "-o", str(out)])
    assert "8 filters of conv1 (5x5x3)" in text
    _png_size(out)


def test_receptive_field(workspace):
    out = workspace / "rf.png"
    text = _invoke(["visualize", "receptive-field", str(workspace / "viz_net.keras"),
                    "-o", str(out)])
    assert "conv2 sees 10 pixels, jump 2" in text
    _png_size(out)


def test_unknown_layer_is_one_line_error(workspace, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["visualize", "activations", str(workspace / "viz_net.keras"),
              str(workspace / "images" / "img0.png"), "--layer", "nope",
              "-o", str(workspace / "x.png")])
    assert exit_info.value.code == 2  # a usage error
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no top-level layer 'nope'" in err

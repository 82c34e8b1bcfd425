"""`visualize patches`' default layer sees a part of the image, and its numbers are labelled."""

from pathlib import Path

import numpy as np

from kerasvision.inspect import maximal_patches
from kerasvision.inspect.layer_choice import PATCH_FIELD_FRACTION, patch_layer
from kerasvision.inspect.layer_receptive_field import receptive_field

SHIPPED = Path(__file__).resolve().parents[2] / "saved_models" / "fashion_mnist_classifier"


def test_shipped_classifier_default_is_the_model_cards_layer():
    from kerasvision.inspect.model_source import load_model

    model = load_model(str(SHIPPED / "model.keras"))
    layer = patch_layer(model, (28, 28))
    # The model card's choice (field 17x17 of a 28x28 image); before: the last convolution,
    # stage3_unit2_conv2, whose 53-pixel field is larger than the whole image.
    assert layer.name == "stage2_unit1_conv2"
    assert receptive_field(model, layer.name).size == (17, 17)
    assert 17 <= PATCH_FIELD_FRACTION * 28 < 21  # the next convolution sees 21 pixels
    assert "stage2_unit1_conv2" in (SHIPPED / "MODEL_CARD.md").read_text()


def test_the_numbers_drawn_are_labelled(monkeypatch, tmp_path):
    import keras

    inputs = keras.Input((12, 12, 1))
    x = keras.layers.Conv2D(2, 3, name="c")(inputs)
    model = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(x))
    images = np.random.default_rng(0).uniform(0, 255, (3, 12, 12, 1)).astype("float32")
    name, found = maximal_patches.top_patches(model, images, filters=2, top=2)
    seen = {}

    def capture(rows, path, row_labels=None, titles=None, suptitle=None, **kwargs):
        seen.update(titles=titles, suptitle=suptitle)
        return path

    monkeypatch.setattr(maximal_patches, "save_image_grid", capture)
    maximal_patches.plot_top_patches(found, images, tmp_path / "p.png", layer_name=name)
    assert "number above each patch: the unit's activation" in seen["suptitle"]
    assert seen["titles"][0][0] == f"{found[0][0].activation:.3g}"

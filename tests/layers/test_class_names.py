"""ClassNames: an identity on scores whose labels survive a .keras round trip in safe mode."""

import numpy as np

import keras

from kerasvision.layers.class_names import ClassNames


def test_identity_and_labels_survive_saving(tmp_path):
    inputs = keras.Input((3,))
    outputs = ClassNames(["cat", "dog", "T-shirt/top"], name="class_names")(inputs)
    model = keras.Model(inputs, outputs)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_array_equal(np.asarray(model(x)), x)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    assert loaded.get_layer("class_names").names == ["cat", "dog", "T-shirt/top"]
    assert ClassNames(["a"]).compute_output_shape((None, 1)) == (None, 1)

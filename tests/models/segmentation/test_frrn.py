"""FRRN A and B (Pohlen et al., CVPR 2017): Table 1's layout, the FRRU's coupling of the two
streams, and the computed parameter counts (the paper's rounded ones are checked by the
registry's reference in tests/test_contract.py)."""

import numpy as np
import pytest

import keras

from kerasvision.models import build
from kerasvision.models.segmentation.frrn import full_resolution_residual_unit


@pytest.fixture(scope="module")
def full_size():
    """FRRN A and B at Cityscapes' 19 classes, built once (64×64 inputs; counts do not depend
    on the input size)."""
    models = {}

    def get(name):
        if name not in models:
            models[name] = build(name, input_shape=(64, 64, 3), classes=19)
        return models[name]

    return get


def _trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def _frru_widths(model, path):
    """{level: [width of each FRRU]} of the encoder or decoder, from the layer names."""
    widths = {}
    for layer in model.layers:
        parts = layer.name.split("_")
        if layer.name.startswith(path) and layer.name.endswith("_1_conv") and "frru" in parts[1]:
            widths.setdefault(int(parts[0][len(path):]), []).append(layer.filters)
    return widths


# Table 1: units × width per level (encoder from 1/2 down, decoder back up to 1/2).
@pytest.mark.parametrize("name,encoder,decoder", [
    ("frrn_a", {1: [96] * 3, 2: [192] * 4, 3: [384] * 2, 4: [384] * 2},
     {1: [192] * 2, 2: [192] * 2, 3: [96] * 2}),
    ("frrn_b", {1: [96] * 3, 2: [192] * 4, 3: [384] * 2, 4: [384] * 2, 5: [384] * 2},
     {1: [192] * 2, 2: [192] * 2, 3: [192] * 2, 4: [96] * 2})])
def test_table1_layout(name, encoder, decoder, full_size):
    model = full_size(name)
    assert _frru_widths(model, "encoder") == encoder
    assert _frru_widths(model, "decoder") == decoder
    assert model.get_layer("stem_conv").kernel_size == (5, 5)
    assert model.get_layer("stem_conv").filters == 48
    # Three RU48 at full resolution on each side of the two streams.
    for side in ("stem", "head"):
        assert [model.get_layer(f"{side}_ru{i}_2_conv").filters for i in (1, 2, 3)] == [48] * 3


def test_streams_keep_their_resolutions():
    model = build("frrn_b", input_shape=(64, 96, 3), classes=19)
    for layer in model.layers:
        if "frru" in layer.name and layer.name.endswith("_add"):
            # Every FRRU adds to the 32-channel residual stream at full resolution.
            assert tuple(layer.output.shape[1:]) == (64, 96, 32), layer.name
    for level in range(1, 6):
        scale = 2 ** level
        concat = model.get_layer(f"encoder{level}_frru1_concat")
        assert tuple(concat.output.shape[1:3]) == (64 // scale, 96 // scale)
    assert tuple(model.output.shape[1:]) == (64, 96, 19)


def test_frru_adds_its_upsampled_update_to_the_residual_stream():
    pooled = keras.Input((4, 4, 6))
    residual = keras.Input((16, 16, 3))
    y, z = full_resolution_residual_unit(pooled, residual, 5, 4, "unit")
    unit = keras.Model([pooled, residual], [y, z])
    rng = np.random.default_rng(0)
    p = rng.normal(size=(1, 4, 4, 6)).astype("float32")
    r = rng.normal(size=(1, 16, 16, 3)).astype("float32")
    to_residual = unit.get_layer("unit_to_residual")
    kernel, bias = to_residual.get_weights()
    to_residual.set_weights([np.zeros_like(kernel), np.array([1.0, 2.0, 3.0], "float32")])
    _, z_out = unit([p, r], training=False)
    # A constant update (the bias) is added everywhere: z + b.
    np.testing.assert_allclose(np.asarray(z_out), r + np.array([1.0, 2.0, 3.0]), atol=1e-6)
    to_residual.set_weights([kernel, bias])
    y_out, z_out = unit([p, r], training=False)
    update = np.asarray(z_out) - r
    # Nearest-neighbour up-sampling: each 4×4 block of the update is one value per channel.
    blocks = update.reshape(1, 4, 4, 4, 4, 3)
    np.testing.assert_allclose(blocks, blocks[:, :, :1, :, :1, :].repeat(4, 2).repeat(4, 4),
                               atol=1e-6)
    assert np.asarray(y_out).shape == (1, 4, 4, 5)


# Computed exact trainable counts for Cityscapes' 19 classes; the paper prints 17.7M and 24.8M.
@pytest.mark.parametrize("name,params", [("frrn_a", 17_746_803), ("frrn_b", 24_755_699)])
def test_exact_counts(name, params, full_size):
    assert _trainable(full_size(name)) == params


def test_tiny_variants_are_tiny():
    from kerasvision.models import build_tiny

    for name in ("frrn_a", "frrn_b"):
        assert 1_000 < build_tiny(name).count_params() < 100_000


@pytest.mark.parametrize("name,multiple", [("frrn_a", 16), ("frrn_b", 32)])
def test_input_sides_must_divide_by_the_poolings(name, multiple):
    with pytest.raises(ValueError, match=f"multiples of {multiple}"):
        build(name, input_shape=(multiple + 8, multiple, 3))

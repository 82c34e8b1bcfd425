"""GoogLeNet, Inception v1 (Szegedy et al., Going Deeper with Convolutions, CVPR 2015).

Table 1 layer for layer: 7×7/2 and 3×3 stems with LRN, nine Inception modules (1×1 reductions
before the 3×3 and 5×5 convolutions, 1×1 projection after a 3×3 max pooling), global average
pooling instead of FC layers, dropout 0.4 and a linear classifier. With `aux_logits=True` the two
auxiliary classifiers on inception 4a and 4d (5×5/3 average pooling, 1×1 conv 128, FC 1024,
dropout 0.7, linear) are extra outputs; the paper adds their losses with weight
`AUX_LOSS_WEIGHT` = 0.3:

    model.compile(loss=[loss] * 3, loss_weights=[1.0, AUX_LOSS_WEIGHT, AUX_LOSS_WEIGHT])

Max poolings are "same" (Caffe's ceil mode gives the same sizes at 224×224), so 28×28 inputs
fit: 28 → 14 → 7 → 4 → 2 → 1.
"""

from keras import layers

from kerasvision.blocks.inception import inception_module
from kerasvision.layers.local_response_normalization import LocalResponseNormalization
from kerasvision.models.applications_signature import applications_builder
from kerasvision.models.image_input import pooled_features
from kerasvision.registry import register_model

PAPER = "Szegedy et al., Going Deeper with Convolutions, CVPR 2015"
AUX_LOSS_WEIGHT = 0.3  # §5: "their loss gets added to the total loss with a discount weight 0.3"

# (#1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj), Table 1.
MODULES = {
    "3a": (64, 96, 128, 16, 32, 32), "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64), "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64), "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128), "5b": (384, 192, 384, 48, 128, 128),
}


def _lrn(name):
    # Caffe's LRN of the reference model: n = 5, α = 1e-4 over the mean (α/n on the sum), k = 1.
    return LocalResponseNormalization(2, 1.0, 1e-4 / 5, 0.75, name=name)


def _auxiliary(x, classes, width, classifier_activation, name):
    """§5: 5×5/3 average pooling, 1×1 conv 128 + ReLU, FC 1024 + ReLU, dropout 0.7, linear."""
    # 14×14 → 4×4 at 224 input; maps smaller than the window get "same" padding.
    padding = "valid" if min(x.shape[1], x.shape[2]) >= 5 else "same"
    x = layers.AveragePooling2D(5, strides=3, padding=padding, name=f"{name}_pool")(x)
    x = layers.Conv2D(max(1, round(128 * width)), 1, activation="relu", name=f"{name}_conv")(x)
    x = layers.Flatten(name=f"{name}_flatten")(x)
    x = layers.Dense(max(1, round(1024 * width)), activation="relu", name=f"{name}_fc")(x)
    x = layers.Dropout(0.7, name=f"{name}_dropout")(x)
    return layers.Dense(classes, activation=classifier_activation, name=f"{name}_predictions")(x)


@register_model(
    "googlenet", task="classification", paper=PAPER,
    reference={"params": 6_998_552, "count": "total",
               "source": "Caffe bvlc_googlenet without auxiliary heads, computed "
                         "(paper Table 1 sums to ≈6.8M); 13,378,280 with both heads"},
    tiny={"input_shape": (32, 32, 3), "classes": 10, "width": 1 / 16, "aux_logits": True},
    # The stem's last map, then the last module at each resolution (Table 1).
    feature_levels={"conv2": ("norm2", 4), "inception_3b": ("inception_3b_output", 8),
                    "inception_4e": ("inception_4e_output", 16),
                    "inception_5b": ("inception_5b_output", 32)})
@applications_builder()
def googlenet(app, aux_logits=False, width=1.0, dropout=0.4):
    """GoogLeNet (Inception v1); `aux_logits=True` adds the two auxiliary classifier outputs.

    Args:
        aux_logits: outputs `[main, aux1 (on 4a), aux2 (on 4d)]` (needs `include_top`).
        width: multiplier of every convolution width (1.0 for the paper's).
        dropout: before the classifier (0.4, §5).
    """
    app.check_weights(None)
    inputs = app.image_input()

    def w(c):
        return max(1, round(c * width))

    x = layers.Conv2D(w(64), 7, strides=2, padding="same", activation="relu",
                      name="conv1_7x7")(inputs)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = _lrn("norm1")(x)
    x = layers.Conv2D(w(64), 1, activation="relu", name="conv2_3x3_reduce")(x)
    x = layers.Conv2D(w(192), 3, padding="same", activation="relu", name="conv2_3x3")(x)
    x = _lrn("norm2")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    aux_inputs = []
    for key, filters in MODULES.items():
        if key in ("4a", "5a"):
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{key[0]}")(x)
        x = inception_module(x, [w(f) for f in filters], name=f"inception_{key}")
        if key in ("4a", "4d"):
            aux_inputs.append(x)
    if app.include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Dense(app.classes, activation=app.classifier_activation,
                         name="predictions")(x)
        if aux_logits:
            x = [x] + [_auxiliary(a, app.classes, width, app.classifier_activation, f"aux{i}")
                       for i, a in enumerate(aux_inputs, 1)]
    else:
        if aux_logits:
            raise ValueError("aux_logits=True needs include_top=True")
        x = pooled_features(x, app.pooling)
    return app.model(inputs, x)

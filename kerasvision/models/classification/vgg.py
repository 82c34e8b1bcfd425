"""VGG networks (Simonyan & Zisserman, Very Deep Convolutional Networks for Large-Scale Image
Recognition, ICLR 2015): configurations A, B, D and E of Table 1 as VGG-11/13/16/19.

3×3 convolutions (stride 1, "same") with ReLU in five blocks, each closed by 2×2 max pooling, then
FC-4096, FC-4096 (dropout 0.5 after each, §3.1) and the classifier. Layer names and order follow
keras.applications.VGG16/VGG19 (dropout has no weights), so `weights="imagenet"` loads Keras's
files for VGG-16 and VGG-19. The poolings pad odd sides ("same"; identical at 224×224) so that
28×28 inputs fit: 28 → 14 → 7 → 4 → 2 → 1.
"""

from keras import layers

from kerasvision.models.applications_signature import applications_builder
from kerasvision.models.image_input import pooled_features
from kerasvision.registry import register_model

PAPER = ("Simonyan & Zisserman, Very Deep Convolutional Networks for Large-Scale Image "
         "Recognition, ICLR 2015")

# Convolutions per block (Table 1); the block widths are 64, 128, 256, 512, 512.
CONFIGURATIONS = {"A": (1, 1, 2, 2, 2), "B": (2, 2, 2, 2, 2), "D": (2, 2, 3, 3, 3),
                  "E": (2, 2, 4, 4, 4)}
BLOCK_WIDTHS = (64, 128, 256, 512, 512)


def VGG(configuration, app, *, width=1.0, dropout=0.5, weights_key=None):
    """The VGG family builder.

    Args:
        configuration: "A", "B", "D" or "E" (Table 1).
        app: the keras.applications arguments (ApplicationArguments).
        width: multiplier of every convolution and hidden FC width (1.0 for the paper's).
        dropout: rate after fc1 and fc2 (0.5 in the paper; keras.applications has none).
        weights_key: keras.applications weight file key, or None where none fits.
    """
    app.check_weights(weights_key)
    inputs = app.image_input()
    x = inputs
    for b, (convs, channels) in enumerate(zip(CONFIGURATIONS[configuration], BLOCK_WIDTHS), 1):
        for c in range(1, convs + 1):
            x = layers.Conv2D(max(1, round(channels * width)), 3, padding="same",
                              activation="relu", name=f"block{b}_conv{c}")(x)
        x = layers.MaxPooling2D(2, strides=2, padding="same", name=f"block{b}_pool")(x)
    if app.include_top:
        hidden = max(1, round(4096 * width))
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(hidden, activation="relu", name="fc1")(x)
        if dropout:
            x = layers.Dropout(dropout, name="fc1_dropout")(x)
        x = layers.Dense(hidden, activation="relu", name="fc2")(x)
        if dropout:
            x = layers.Dropout(dropout, name="fc2_dropout")(x)
        x = layers.Dense(app.classes, activation=app.classifier_activation,
                         name="predictions")(x)
    else:
        x = pooled_features(x, app.pooling)
    return app.model(inputs, x, weights_key)


def feature_levels(configuration):
    """pool3-pool5 (FCN's skips) and the last convolution of blocks 4 and 5 (SSD's conv4_3).

    The convolution levels carry their configuration's name: conv4_3/conv5_3 for VGG-16,
    conv4_4/conv5_4 for VGG-19, conv4_2/conv5_2 for VGG-11/13. The FC layers are no levels.
    """
    last = CONFIGURATIONS[configuration][3]  # blocks 4 and 5 have the same depth
    return {"pool3": ("block3_pool", 8), f"conv4_{last}": (f"block4_conv{last}", 8),
            "pool4": ("block4_pool", 16), f"conv5_{last}": (f"block5_conv{last}", 16),
            "pool5": ("block5_pool", 32)}


def _register(name, configuration, reference, weights_key, doc):
    @register_model(name, task="classification", paper=PAPER, reference=reference,
                    tiny={"input_shape": (32, 32, 3), "classes": 10, "width": 1 / 16},
                    feature_levels=feature_levels(configuration), imagenet_weights=weights_key)
    @applications_builder(name, doc=doc)
    def builder(app, width=1.0, dropout=0.5):
        return VGG(configuration, app, width=width, dropout=dropout,
                   weights_key=weights_key if width == 1.0 else None)

    return builder


# Table 2 gives 133M for A and B (rounded to 1M); D and E are keras.applications' exact totals.
vgg11 = _register("vgg11", "A", {"params": 133_000_000, "count": "total",
                                 "params_rel_tol": 0.5 / 133, "slow": True,
                                 "source": "Simonyan & Zisserman, Table 2: 133M"},
                  None, "VGG-11 (configuration A): 8 convolutions and 3 FC layers.")
vgg13 = _register("vgg13", "B", {"params": 133_000_000, "count": "total",
                                 "params_rel_tol": 0.5 / 133, "slow": True,
                                 "source": "Simonyan & Zisserman, Table 2: 133M"},
                  None, "VGG-13 (configuration B): 10 convolutions and 3 FC layers.")
vgg16 = _register("vgg16", "D", {"params": 138_357_544, "count": "total", "slow": True,
                                 "source": "keras.applications.VGG16 (paper: 138M)"},
                  "vgg16", "VGG-16 (configuration D): 13 convolutions and 3 FC layers.")
vgg19 = _register("vgg19", "E", {"params": 143_667_240, "count": "total", "slow": True,
                                 "source": "keras.applications.VGG19 (paper: 144M)"},
                  "vgg19", "VGG-19 (configuration E): 16 convolutions and 3 FC layers.")

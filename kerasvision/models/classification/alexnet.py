"""AlexNet (Krizhevsky, Sutskever & Hinton, ImageNet Classification with Deep Convolutional Neural
Networks, NIPS 2012).

Five convolutions (96@11×11/4, 256@5×5, 384@3×3, 384@3×3, 256@3×3) and three FC layers (4096,
4096, classes), ReLU everywhere (§3.1), local response normalisation after conv1 and conv2
(§3.3), overlapping 3×3/2 max pooling after both normalisations and conv5 (§3.4), dropout 0.5
before fc7 and fc8 (§4.2). With `groups=2`, conv2, conv4 and conv5 see only their own GPU's half
of the previous layer (Fig. 2); the default is one tower with the same widths. The input is
227×227×3 (the size the strides fit; the paper's "224" is off by three). The smallest input the
strides allow is 67×67.
"""

from keras import layers

from kerasvision.layers.local_response_normalization import LocalResponseNormalization
from kerasvision.models.applications_signature import applications_builder
from kerasvision.models.image_input import pooled_features
from kerasvision.registry import register_model

PAPER = ("Krizhevsky, Sutskever & Hinton, ImageNet Classification with Deep Convolutional "
         "Neural Networks, NIPS 2012")
MIN_SIZE = 67  # conv1 11/4, then three 3/2 poolings must each leave at least one pixel


@register_model(
    "alexnet", task="classification", paper=PAPER,
    reference={"params": 60_965_224, "count": "total", "config": {"groups": 2}, "slow": True,
               "source": "two-tower model at 227×227, computed; the paper says 60 million"},
    tiny={"input_shape": (MIN_SIZE, MIN_SIZE, 3), "classes": 10, "width": 1 / 16},
    # The conv stages; unpadded (published) windows make each level smaller than side/stride.
    feature_levels={"conv1": ("conv1", 4), "conv2": ("conv2", 8), "conv3": ("conv3", 16),
                    "conv4": ("conv4", 16), "conv5": ("conv5", 16), "pool5": ("pool5", 32)})
@applications_builder(default_input_shape=(227, 227, 3), min_input_size=MIN_SIZE)
def alexnet(app, groups=1, width=1.0, dropout=0.5):
    """AlexNet: 5 convolutions with LRN and overlapping pooling, 3 FC layers with dropout.

    Args:
        groups: 2 reproduces the two-GPU split of conv2, conv4 and conv5; 1 is a single tower.
        width: multiplier of every width (rounded to a multiple of `groups`); 1.0 is the paper's.
        dropout: rate before fc7 and the classifier (0.5 in the paper).
    """
    app.check_weights(None)
    inputs = app.image_input()

    def w(c):
        return max(groups, int(round(c * width / groups)) * groups)

    def conv(x, filters, size, stride=1, padding="same", g=1, layer=""):
        return layers.Conv2D(w(filters), size, strides=stride, padding=padding, groups=g,
                             activation="relu", name=layer)(x)

    # LRN constants k = 2, n = 5, α = 1e-4, β = 0.75 (§3.3).
    x = conv(inputs, 96, 11, 4, "valid", layer="conv1")
    x = LocalResponseNormalization(2, 2.0, 1e-4, 0.75, name="norm1")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)  # overlapping: z = 3 > s = 2 (§3.4)
    x = conv(x, 256, 5, g=groups, layer="conv2")
    x = LocalResponseNormalization(2, 2.0, 1e-4, 0.75, name="norm2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = conv(x, 384, 3, layer="conv3")  # conv3 sees both GPUs' maps (Fig. 2)
    x = conv(x, 384, 3, g=groups, layer="conv4")
    x = conv(x, 256, 3, g=groups, layer="conv5")
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    if app.include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(w(4096), activation="relu", name="fc6")(x)
        x = layers.Dropout(dropout, name="fc6_dropout")(x)
        x = layers.Dense(w(4096), activation="relu", name="fc7")(x)
        x = layers.Dropout(dropout, name="fc7_dropout")(x)
        x = layers.Dense(app.classes, activation=app.classifier_activation,
                         name="predictions")(x)
    else:
        x = pooled_features(x, app.pooling)
    return app.model(inputs, x)

"""LeNet-5 (LeCun, Bottou, Bengio & Haffner, Gradient-Based Learning Applied to Document
Recognition, Proc. IEEE 86(11), 1998, §II.B).

As published: C1 6@5×5 (156 parameters), S2 trainable subsampling (12), C3 16@5×5 with Table I's
partial connections (1,516), S4 (32), C5 120@5×5 (48,120), F6 84 (10,164), every one followed by
the squashing function 1.7159·tanh(2a/3), and an output of Euclidean RBF units with fixed ±1
codes (840 connections, none trained): 60,000 trainable parameters. The input is 32×32; smaller
images (MNIST's 28×28) are zero-padded to it, as in the paper. The output is softmax(−y) of the
RBF penalties y (the posterior behind Eq. 9), or −y itself with `classifier_activation=None`.

`modern=True` gives the variant people train today: ReLU, max pooling, a full C3 and a softmax
Dense classifier.
"""

from keras import layers

from kerasvision.layers.euclidean_rbf import EuclideanRBF
from kerasvision.layers.partially_connected_conv2d import PartiallyConnectedConv2D
from kerasvision.layers.scaled_tanh import ScaledTanh
from kerasvision.layers.trainable_subsampling import TrainableSubsampling
from kerasvision.models.applications_signature import applications_builder
from kerasvision.models.image_input import pooled_features
from kerasvision.registry import register_model

PAPER = ("LeCun, Bottou, Bengio & Haffner, Gradient-Based Learning Applied to Document "
         "Recognition, Proc. IEEE 1998")
INPUT_SIZE = 32

# C3 sees a subset of S2's maps (LeCun et al. 1998, Table I): maps 0-5 see three contiguous S2
# maps, 6-11 four contiguous, 12-14 four discontinuous, 15 all six.
C3_CONNECTIONS = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (0, 4, 5), (0, 1, 5),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (0, 3, 4, 5), (0, 1, 4, 5), (0, 1, 2, 5),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)


@register_model(
    "lenet5", task="classification", paper=PAPER,
    reference={"params": 60_000, "count": "trainable",
               # The output RBF units' 10 x 84 codes are hand-set, not trained (§II.B).
               "fixed": [840, "RBF codes"],
               "source": "LeCun et al. 1998 §II.B: 60,000 trainable parameters, "
                         "340,908 connections; MNIST error 0.95%"},
    tiny={"input_shape": (32, 32, 1), "classes": 10},
    # Every feature-map layer, activated (`_squash` as published, `_relu`/max pooling modern);
    # the convolutions are unpadded, so each level is smaller than side/stride.
    feature_levels={"c1": (r"c1_(squash|relu)", 1), "s2": (r"s2(_squash)?", 2),
                    "c3": (r"c3_(squash|relu)", 2), "s4": (r"s4(_squash)?", 4),
                    "c5": (r"c5_(squash|relu)", 4)})
@applications_builder(classes=10, default_input_shape=(INPUT_SIZE, INPUT_SIZE, 1))
def lenet5(app, modern=False):
    """LeNet-5 as published (RBF output, trainable subsampling, Table I's C3), or `modern`.

    Args:
        modern: ReLU, max pooling, full C3 and a softmax Dense classifier instead.
    """
    app.check_weights(None)
    inputs = app.image_input()
    x = inputs
    h, w = inputs.shape[1], inputs.shape[2]
    if h is not None and w is not None and (h < INPUT_SIZE or w < INPUT_SIZE):
        # "The input is a 32x32 pixel image ... significantly larger than the largest character
        # in the database (at most 20x20 pixels centered in a 28x28 field)" (§II.B).
        ph, pw = max(0, INPUT_SIZE - h), max(0, INPUT_SIZE - w)
        x = layers.ZeroPadding2D(((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)),
                                 name="pad")(x)

    def squash(x, layer):
        return (layers.Activation("relu", name=f"{layer}_relu")(x) if modern
                else ScaledTanh(name=f"{layer}_squash")(x))

    def subsample(x, layer):
        if modern:
            return layers.MaxPooling2D(2, name=layer)(x)
        return squash(TrainableSubsampling(2, name=layer)(x), layer)

    x = squash(layers.Conv2D(6, 5, name="c1")(x), "c1")
    x = subsample(x, "s2")
    c3 = (layers.Conv2D(16, 5, name="c3") if modern
          else PartiallyConnectedConv2D(C3_CONNECTIONS, 5, name="c3"))
    x = squash(c3(x), "c3")
    x = subsample(x, "s4")
    x = squash(layers.Conv2D(120, 5, name="c5")(x), "c5")
    if app.include_top:
        x = layers.Flatten(name="flatten")(x)
        if modern:
            x = squash(layers.Dense(84, name="f6")(x), "f6")
            x = layers.Dense(app.classes, activation=app.classifier_activation,
                             name="predictions")(x)
        else:
            x = squash(layers.Dense(84, name="f6")(x), "f6")
            # Output: y_i = ‖x − w_i‖² with fixed codes (Eq. 7); −y are the logits.
            x = EuclideanRBF(app.classes, negate=True, name="rbf")(x)
            x = layers.Activation(app.classifier_activation, name="predictions")(x)
    else:
        x = pooled_features(x, app.pooling)
    return app.model(inputs, x)

"""Multi-scale dense networks (Huang, Chen, Li, Wu, van der Maaten & Weinberger, Multi-Scale
Dense Networks for Resource Efficient Image Classification, ICLR 2018).

Features are kept at several scales from the first layer on (§4, Fig. 2), so that an early
classifier already sees coarse features. Every layer grows each scale densely: the scale's
features are concatenated with new ones, computed from the same scale by a convolution and
from the next finer scale by a strided convolution (the diagonal connections); the finest
scale has only the former. Classifiers ("exits") sit after every block of layers and read the
coarsest scale, whose features later exits reuse. Finer scales are dropped as depth grows, with
a 1×1 transition halving the widths where one goes (the authors' "max" pruning and 0.5
reduction). Training minimises the unweighted sum of the exits' cross-entropies (§4), which is
what Keras's list of per-output losses computes.

The CIFAR setting (§5, Appendix A; the authors' code, github.com/gaohuang/MSDNet and its
PyTorch port github.com/kalviny/MSDNet-PyTorch, `models/msdnet.py`): 3 scales; a first layer
of 16, 32 and 64 channels (3×3 convolutions, strides 1, 2, 2); growth rates 6, 12 and 24;
each convolution preceded by a 1×1 bottleneck of at most 1, 2 and 4 times its width; every
convolution followed by BN and ReLU, without bias; exit classifiers of two 3×3 stride-2
convolutions of 128 channels, average pooling and a linear layer. The anytime-prediction
recipe (`-nBlocks 10 -stepmode even -step 2 -base 4`) puts the first exit after layer 4 and
the others every 2 layers: 22 layers, 10 exits, the defaults here. The exit's pooling is
global (the authors pool 2×2, which is global at CIFAR's 32×32).

The model outputs one softmax per exit, named `exit_1` ... `exit_K` (a list, in that order);
the classification contract trains and checks each output, so nothing else is needed for
the registry. Anytime prediction and early exits: anytime_prediction.py.
"""

import math

from keras import layers

from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization
from kerasvision.models.applications_signature import applications_builder
from kerasvision.models.image_input import pooled_features
from kerasvision.registry import register_model

PAPER = ("Huang, Chen, Li, Wu, van der Maaten & Weinberger, Multi-Scale Dense Networks for "
         "Resource Efficient Image Classification, ICLR 2018")
STEP_MODES = ("even", "lin_grow")


def _conv_bn_relu(x, filters, size, strides, name):
    x = layers.Conv2D(filters, size, strides=strides, padding="same", use_bias=False,
                      name=f"{name}_conv")(x)
    x = FusedBatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def _new_features(x, filters, down, bottleneck_factor, name):
    """New features of one scale: [1×1 bottleneck of min(C_in, factor × filters) channels],
    then a 3×3 convolution, strided when reading the finer scale."""
    if bottleneck_factor:
        inner = min(int(x.shape[-1]), bottleneck_factor * filters)
        x = _conv_bn_relu(x, inner, 1, 1, f"{name}_bottleneck")
    return _conv_bn_relu(x, filters, 3, 2 if down else 1, name)


def msd_layer(features, out_scales, growth_rate, growth_factors, bottleneck_factors, name):
    """One MSDNet layer over `features` (`{scale: tensor}`, scales from 1, finest first),
    giving the `out_scales` coarsest scales, each its old features plus
    `growth_rate × growth_factors[s]` new channels."""
    num_scales = len(growth_factors)
    grown = {}
    for s in range(num_scales - out_scales + 1, num_scales + 1):
        width = growth_rate * growth_factors[s - 1]
        factor = bottleneck_factors[s - 1] if bottleneck_factors else 0
        if s - 1 in features:  # the diagonal connection from the finer scale
            finer = bottleneck_factors[s - 2] if bottleneck_factors else 0
            new = [_new_features(features[s - 1], width // 2, True, finer, f"{name}_s{s}_down"),
                   _new_features(features[s], width // 2, False, factor, f"{name}_s{s}_same")]
        else:
            new = [_new_features(features[s], width, False, factor, f"{name}_s{s}_same")]
        grown[s] = layers.Concatenate(name=f"{name}_s{s}_out")([features[s], *new])
    return grown


def layer_schedule(blocks, base, step, step_mode):
    """Layers per block: `base` then `step` each ("even"), or `step × i + 1` ("lin_grow")."""
    if step_mode not in STEP_MODES:
        raise ValueError(f"step_mode must be one of {STEP_MODES}, got {step_mode!r}")
    return [base] + [step if step_mode == "even" else step * i + 1 for i in range(1, blocks)]


def scales_of_layer(index, total_layers, num_scales):
    """(scales in, scales out) of layer `index` (from 1): the authors' "max" pruning, which
    drops the finest scale after every ceil(total / S) layers."""
    interval = math.ceil(total_layers / num_scales)
    scales_in = num_scales - max(0, index - 2) // interval
    scales_out = num_scales - (index - 1) // interval
    return scales_in, scales_out


def exit_classifier(x, filters, classes, activation, name):
    """An exit: two 3×3 stride-2 convolutions (BN, ReLU), global average pooling, linear."""
    x = _conv_bn_relu(x, filters, 3, 2, f"{name}_conv1")
    x = _conv_bn_relu(x, filters, 3, 2, f"{name}_conv2")
    x = layers.GlobalAveragePooling2D(name=f"{name}_pool")(x)
    return layers.Dense(classes, activation=activation, name=name)(x)


@register_model(
    "msdnet", task="classification", paper=PAPER,
    reference={"params": 4_851_336, "count": "total",
               "source": "computed for the authors' CIFAR-10 anytime recipe (3 scales, "
                         "10 blocks: base 4, step 2; BN moving statistics included); the "
                         "paper gives no parameter count for it"},
    tiny={"input_shape": (32, 32, 3), "classes": 4, "blocks": 3, "base": 1, "step": 1,
          "channels": 2, "growth_rate": 2, "bottleneck_factors": None,
          "classifier_channels": 4},
    feature_levels={f"scale{s}": (rf"(first_s{s}_relu|layer\d+_s{s}_out|"
                                  rf"transition\d+_s{s}_relu)", 2 ** (s - 1))
                    for s in (1, 2, 3)})
@applications_builder(classes=10, default_input_shape=(32, 32, 3), min_input_size=1)
def msdnet(app, blocks=10, base=4, step=2, step_mode="even", channels=16, growth_rate=6,
           growth_factors=(1, 2, 4), bottleneck_factors=(1, 2, 4), reduction=0.5,
           classifier_channels=128):
    """MSDNet for CIFAR: one exit per block, outputs `exit_1` ... `exit_<blocks>`.

    Args:
        blocks: blocks, hence exits (10 in the anytime recipe).
        base: layers before the first exit (4).
        step: layers between exits ("even") or the slope of their growth ("lin_grow").
        step_mode: "even" or "lin_grow" (the budgeted-batch recipe: step 1, base 1).
        channels: first-layer channels of the finest scale (16); scale s has
            `channels × growth_factors[s]`.
        growth_rate: new channels per layer at the finest scale (6); scale s adds
            `growth_rate × growth_factors[s]`.
        growth_factors: width factor of each scale (1, 2, 4); their count is the number of
            scales.
        bottleneck_factors: bottleneck widths as multiples of the new channels (1, 2, 4), or
            None for no 1×1 bottleneck.
        reduction: width kept by a transition where a scale is dropped (0.5).
        classifier_channels: channels of the exits' convolutions (128).
    """
    app.check_weights(None)  # no ImageNet weights for this architecture
    num_scales = len(growth_factors)
    schedule = layer_schedule(blocks, base, step, step_mode)
    total = sum(schedule)
    inputs = app.image_input()
    x, features = inputs, {}
    for s in range(1, num_scales + 1):
        x = _conv_bn_relu(x, channels * growth_factors[s - 1], 3, 1 if s == 1 else 2,
                          f"first_s{s}")
        features[s] = x
    units, index, exits = channels, 0, []
    for block, length in enumerate(schedule, start=1):
        for _ in range(length):
            index += 1
            scales_in, scales_out = scales_of_layer(index, total, num_scales)
            features = msd_layer(features, scales_out, growth_rate, growth_factors,
                                 bottleneck_factors, f"layer{index}")
            units += growth_rate
            if scales_in > scales_out and reduction > 0:
                units = math.floor(reduction * units)
                features = {s: _conv_bn_relu(f, units * growth_factors[s - 1], 1, 1,
                                             f"transition{index}_s{s}")
                            for s, f in features.items()}
        if app.include_top:
            exits.append(exit_classifier(features[num_scales], classifier_channels,
                                         app.classes, app.classifier_activation,
                                         f"exit_{block}"))
    if not app.include_top:
        return app.model(inputs, pooled_features(features[num_scales], app.pooling))
    return app.model(inputs, exits)

"""Classification networks as backbones: their named stage outputs as one dict-output model.

Each classification registration declares `feature_levels = {level: (layer, stride)}` (see
kerasvision/registry.py), shallow to deep, the last being the whole feature extractor (the
output of `include_top=False`). `build_backbone(name)` builds the network without its top and
returns a functional model whose outputs are `{level: feature map}`, in the spirit of
keras-hub's `pyramid_outputs` (docs/references.md). Detection and segmentation heads (FPN, FCN
skips, SSD sources) take their inputs from it by level name, whatever the architecture.

    backbone = build_backbone("resnet50", levels=["C3", "C4", "C5"], input_shape=(512, 512, 3))
    maps = backbone(images)  # {"C3": (N, 64, 64, 512), "C4": ..., "C5": (N, 16, 16, 2048)}
"""

import re

from kerasvision.registry import get_spec, list_models

# A backbone ends at its feature levels; these arguments would only shape the discarded top.
_TOP_ARGUMENTS = ("include_top", "pooling")


def feature_strides(name):
    """`{level: stride}` of `name`'s declared feature levels (stride relative to the input)."""
    return {level: stride for level, (_, stride) in _levels_of(name).items()}


def build_backbone(name, levels=None, input_shape=None, **builder_kwargs):
    """The registered classification network `name` as a model with outputs `{level: map}`.

    Args:
        name: a registered name with feature levels (every classification name has them).
        levels: the level names to output, in this order (default: all declared ones); a
            single name is taken as a one-element list.
        input_shape: (H, W, C) for the builder (default: the builder's own).
        **builder_kwargs: further builder arguments (`width`, `weights="imagenet"`,
            `input_tensor`, ...); `include_top` and `pooling` are not accepted, the backbone
            has no top.

    Raises:
        ValueError: for a name without feature levels, an unknown level (the message lists
            the available ones) or a top argument.
    """
    import keras  # here, so that importing kerasvision.models stays light

    declared = _levels_of(name)
    chosen = list(declared) if levels is None else [levels] if isinstance(levels, str) \
        else list(levels)
    unknown = [level for level in chosen if level not in declared]
    if unknown or not chosen:
        raise ValueError(f"{name} has no feature level(s) {unknown or chosen}; "
                         f"available: {', '.join(declared)}")
    top = sorted(k for k in builder_kwargs if k in _TOP_ARGUMENTS)
    if top:
        raise ValueError(f"build_backbone({name!r}) builds without a top: {', '.join(top)} "
                         "is not an argument here")
    model = get_spec(name).builder(include_top=False, input_shape=input_shape, **builder_kwargs)
    outputs = {level: _level_layer(model, name, level, declared[level][0]).output
               for level in chosen}
    # `model.input`, not `model.inputs`: a single input stays a tensor, so calling the
    # backbone on one batch matches its input structure (as keras.applications models do).
    return keras.Model(model.input, outputs, name=f"{model.name}_backbone")


def _levels_of(name):
    spec = get_spec(name)
    if not spec.feature_levels:
        with_levels = [n for n in list_models() if get_spec(n).feature_levels]
        raise ValueError(f"{name} ({spec.task}) declares no feature levels, so it is no "
                         f"backbone; backbones: {', '.join(with_levels)}")
    return spec.feature_levels


def _level_layer(model, name, level, layer):
    """The layer named `layer`, else the last one (in layer order) whose name matches it."""
    names = [each.name for each in model.layers]
    if layer in names:
        return model.get_layer(layer)
    matches = [each for each in model.layers if re.fullmatch(layer, each.name)]
    if not matches:
        raise ValueError(f"{name}: feature level {level!r} names layer {layer!r}, which "
                         f"model {model.name!r} does not have")
    return matches[-1]

"""Whether a model output is already a probability: it decides `from_logits` of the
cross-entropy the classification and segmentation contracts compile with."""


def ends_in_softmax(output):
    """True when the layer producing the symbolic `output` applies a softmax activation."""
    layer = output._keras_history[0]
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", "") == "softmax"


def sparse_cross_entropy(output):
    """Sparse categorical cross-entropy for `output`, on logits unless it ends in a softmax."""
    import keras

    return keras.losses.SparseCategoricalCrossentropy(from_logits=not ends_in_softmax(output))

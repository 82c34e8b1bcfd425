"""The network inside a test-time-augmentation wrapper.

tasks/flip_averaging.py and tasks/translation_averaging.py wrap one nested network that runs
on an image and on its mirror image or shifted copies. What a unit sees is a property of that
network (inspection looks inside), and one view of it is what a caller runs when the views'
extra compute is not worth their accuracy (`ImageClassifier.single_view`,
`kerasvision classify` without --tta).
"""


def network_inside_views(model):
    """The nested network of a flip- or translation-averaging wrapper, or None when `model`
    is not one."""
    import keras

    from kerasvision.layers.horizontal_flip import HorizontalFlip
    from kerasvision.layers.translated_views import TranslatedViews

    nested = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    views = (HorizontalFlip, TranslatedViews)
    if len(nested) == 1 and any(isinstance(layer, views) for layer in model.layers):
        return nested[0]
    return None

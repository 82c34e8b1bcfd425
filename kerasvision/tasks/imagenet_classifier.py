"""Registry architectures with ImageNet weights as ImageClassifiers.

keras.applications' weights expect the preprocessing their family was trained with; the
classifier puts it in the graph (ImageNetPreprocessing) so every caller feeds 0–255 pixels.
Class names come from Keras's own ImageNet class index (downloaded and cached once).
"""

import json

# keras.applications' convention per family: caffe (BGR, mean subtraction) for VGG and ResNet
# v1, torch (RGB, mean/std) for DenseNet, tf (scale to [-1, 1]) for ResNet v2.
PREPROCESSING = {"vgg": "caffe", "resnet": "caffe", "densenet": "torch"}
CLASS_INDEX_URL = ("https://storage.googleapis.com/download.tensorflow.org/"
                   "data/imagenet_class_index.json")


def preprocessing_mode(name):
    if name.endswith("_v2"):
        return "tf"
    for prefix, mode in PREPROCESSING.items():
        if name.startswith(prefix):
            return mode
    raise ValueError(f"{name}: no ImageNet preprocessing known (only keras.applications models "
                     "have ImageNet weights)")


def imagenet_class_names():
    import keras

    try:
        path = keras.utils.get_file("imagenet_class_index.json", CLASS_INDEX_URL,
                                    cache_subdir="models",
                                    file_hash="c2c37ea517e94d9795004a39431a14cb")
    except Exception as exc:  # noqa: BLE001 - offline: one clear line
        raise ConnectionError(f"cannot fetch the ImageNet class index ({exc.__class__.__name__}); "
                              "ImageNet weights need a network once, then are cached") from None
    with open(path) as fh:
        index = json.load(fh)
    return [index[str(i)][1] for i in range(1000)]


def registry_classifier(name, weights=None):
    """ImageClassifier on registry architecture `name` (224×224×3, 1000 classes)."""
    import keras

    from kerasvision.layers.imagenet_preprocessing import ImageNetPreprocessing
    from kerasvision.models import build
    from kerasvision.tasks.image_classifier import ImageClassifier

    if weights == "imagenet":
        mode = preprocessing_mode(name)
        pixels = keras.Input((224, 224, 3), name="pixels")
        x = ImageNetPreprocessing(mode, name="imagenet_preprocessing")(pixels)
        model = build(name, weights="imagenet", input_tensor=x)
        return ImageClassifier(model, imagenet_class_names())
    model = build(name)
    return ImageClassifier(model)

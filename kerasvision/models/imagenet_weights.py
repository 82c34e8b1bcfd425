"""Keras's official ImageNet weight files for the models keras.applications also ships.

The URLs, file names and MD5 hashes are those keras.applications (Keras 3.15) uses, so a file
Keras already cached under ~/.keras/models is reused and a download is verified the same way. The
builders reproduce keras.applications' layer structure, so the files load by layer order.
"""

import keras
from keras.src.utils import file_utils

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"

# key: (folder, stem, MD5 with top, MD5 without top);
# file: f"{stem}_weights_tf_dim_ordering_tf_kernels[_notop].h5"
_FILES = {
    "vgg16": ("vgg16", "vgg16", "64373286793e3c8b2b4e3219cbf3544b",
              "6d6bbae143d832006294945121d1f1fc"),
    "vgg19": ("vgg19", "vgg19", "cbe5617147190e668d6c5d5026f83318",
              "253f8cb515780f3b799900260a226db6"),
    "resnet50": ("resnet", "resnet50", "2cb95161c43110f7111970584f804107",
                 "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("resnet", "resnet101", "f1aeb4b969a6efcfb50fad2f0c20cfc5",
                  "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("resnet", "resnet152", "100835be76be38e30d865e96f2aaae62",
                  "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("resnet", "resnet50v2", "3ef43a0b657b3be2300d5770ece849e0",
                   "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("resnet", "resnet101v2", "6343647c601c52e1368623803854d971",
                    "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("resnet", "resnet152v2", "a49b44d1979771252814e80f8ec446f9",
                    "ed17cf2e0169df9d443503ef94b23b33"),
    "densenet121": ("densenet", "densenet121", "9d60b8095a5708f2dcce2bca79d332c7",
                    "30ee3e1110167f948a6b9946edeeb738"),
    "densenet169": ("densenet", "densenet169", "d699b8f76981ab1b30698df4c175e90b",
                    "b8c4d4c20dd625c148057b9ff1c1176b"),
    "densenet201": ("densenet", "densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807",
                    "c13680b51ded0fb44dff2d8f86ac8bb1"),
}


def weight_file(key, include_top):
    """(file name, URL, MD5) of Keras's ImageNet weights for `key` (e.g. "resnet50")."""
    folder, stem, top_hash, notop_hash = _FILES[key]
    file_name = f"{stem}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    return file_name, f"{_BASE}{folder}/{file_name}", top_hash if include_top else notop_hash


def check_weights_argument(weights, key, include_top, classes, model_name):
    """Validate `weights` as keras.applications does; `key` is None where no ImageNet file exists."""
    if weights is None:
        return
    if weights == "imagenet":
        if key is None:
            raise ValueError(f"{model_name}: keras.applications ships no ImageNet weights for "
                             "this model; use weights=None or a path to a weights file")
        if include_top and classes != 1000:
            raise ValueError(f"{model_name}: weights='imagenet' with include_top=True needs "
                             f"classes=1000, got classes={classes}")
        return
    if not isinstance(weights, str) or not file_utils.exists(weights):
        raise ValueError(f"{model_name}: weights must be None, 'imagenet' or the path to a "
                         f"weights file; got {weights!r}")


def load_weights(model, weights, key, include_top):
    """Load `weights` (None, "imagenet" or a path) into `model`; returns the model."""
    if weights is None:
        return model
    if weights == "imagenet":
        file_name, url, file_hash = weight_file(key, include_top)
        try:
            path = keras.utils.get_file(file_name, url, cache_subdir="models",
                                        file_hash=file_hash)
        except Exception as err:  # no network, proxy refusal, hash mismatch
            raise OSError(f"could not fetch ImageNet weights {file_name} from {url} "
                          f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}); "
                          f"put the file in ~/.keras/models/ or pass weights=<path>") from None
        model.load_weights(path)
    else:
        model.load_weights(weights)
    return model

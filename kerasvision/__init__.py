"""kerasvision: the classic convolutional-network canon for vision, as Keras 3 builders.

Importing this package is cheap (no TensorFlow); the heavy parts load on first use:

    import kerasvision.models as kvm
    model = kvm.build("resnet20", classes=10)
"""

__version__ = "0.1.0"

__all__ = ["__version__"]

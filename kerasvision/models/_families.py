"""Imports every architecture family so their registrations run. One line per family file."""

# isort: off
from kerasvision.models.classification import wide_resnet  # noqa: F401
from kerasvision.models.classic import perceptron  # noqa: F401
from kerasvision.models.classic import kernel_perceptron  # noqa: F401
from kerasvision.models.classic import rbf_network  # noqa: F401
from kerasvision.models.classic import mlp  # noqa: F401
from kerasvision.models.classic import binary_lookup_mlp  # noqa: F401
from kerasvision.models.classification import lenet  # noqa: F401
from kerasvision.models.classification import alexnet  # noqa: F401
from kerasvision.models.classification import vgg  # noqa: F401
from kerasvision.models.classification import googlenet  # noqa: F401
from kerasvision.models.classification import resnet  # noqa: F401
from kerasvision.models.classification import resnet_cifar  # noqa: F401
from kerasvision.models.classification import densenet  # noqa: F401
from kerasvision.models.detection import ssd  # noqa: F401

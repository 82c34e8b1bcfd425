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
from kerasvision.models.detection import dssd  # noqa: F401
from kerasvision.models.segmentation import frrn  # noqa: F401
from kerasvision.models.segmentation import fc_densenet  # noqa: F401
from kerasvision.models.detection import backbone_ssd  # noqa: F401
from kerasvision.models.detection import sliding_window  # noqa: F401
from kerasvision.models.detection import rcnn  # noqa: F401
from kerasvision.models.detection import fast_rcnn  # noqa: F401
from kerasvision.models.detection import faster_rcnn  # noqa: F401
from kerasvision.models.segmentation import fcn  # noqa: F401
from kerasvision.models.segmentation import dilated_context  # noqa: F401
from kerasvision.models.segmentation import deconvnet  # noqa: F401
from kerasvision.models.segmentation import segnet  # noqa: F401
from kerasvision.models.segmentation import unet  # noqa: F401
from kerasvision.models.segmentation import backbone_fcn  # noqa: F401
from kerasvision.models.segmentation import patch_classifier  # noqa: F401
from kerasvision.models.multiscale import fabric  # noqa: F401
from kerasvision.models.multiscale import gridnet  # noqa: F401
from kerasvision.models.multiscale import msdnet  # noqa: F401

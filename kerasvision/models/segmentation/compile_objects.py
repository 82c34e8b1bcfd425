"""Imports the segmentation losses and metrics, so that a `.keras` file compiled with them
loads: Keras finds a custom object only once its registering module has run."""

# isort: off
from kerasvision.models.segmentation import pixel_cross_entropy  # noqa: F401
from kerasvision.models.segmentation import soft_dice_loss  # noqa: F401
from kerasvision.models.segmentation import dice_cross_entropy_loss  # noqa: F401
from kerasvision.models.segmentation import pixel_mean_iou  # noqa: F401

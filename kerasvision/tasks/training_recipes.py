"""Per-architecture training defaults for `kerasvision train classifier`.

One recipe does not fit the registry: the shipped wide ResNet's (SGD at 0.1, weight decay
5e-4, label smoothing) left LeNet-5 at chance (10.3 %) after an epoch of Fashion-MNIST. Each
family gets the optimizer its paper (or our own measurement) trains it with; every value can
still be overridden on the command line.

Learning rates are given for a batch of REFERENCE_BATCH images and scaled with the batch
size: linearly for SGD (Goyal et al., "Accurate, Large Minibatch SGD: Training ImageNet in 1
Hour", arXiv 2017, §2.1), with the square root for Adam-type optimizers (Malladi et al., "On
the SDEs and Scaling Rules for Adaptive Gradient Algorithms", NeurIPS 2022), so a small
`--batch-size` on a small folder does not take 0.1-sized steps on 4-image batches (the wide
ResNet's validation loss reached 9.7 on a 48-image folder at batch 4 that way).
"""

import re
from dataclasses import dataclass, replace

REFERENCE_BATCH = 128


@dataclass(frozen=True)
class Recipe:
    optimizer: str  # "sgd" (Nesterov momentum 0.9) or "adamw" (decoupled weight decay)
    learning_rate: float  # peak rate at REFERENCE_BATCH images per batch
    weight_decay: float
    label_smoothing: float = 0.1
    warmup_epochs: int = 1
    min_side: int = 0  # smaller images are resized up to this side inside the graph
    source: str = ""
    # Issue 14's fast-training options (TrainConfig's fields of the same names).
    schedule: str = "cosine"
    precision: str = "float32"
    ema: float = 0.0
    bn_momentum: float = 0.0
    flip: bool = True


# SGD: the CIFAR papers' recipes, which these architectures were designed and tuned with.
_CIFAR_RESNET = Recipe(
    "sgd", 0.1, 1e-4, source="He et al., Deep Residual Learning for Image Recognition, CVPR "
    "2016, §4.2: SGD momentum 0.9, lr 0.1, batch 128, weight decay 1e-4")
# The shipped classifier's: the paper's optimizer and weight decay, with the fast-training
# choices issue 14's ablation kept on 5,000 held-out Fashion-MNIST training images
# (apps/fashion_mnist/ablation.py, benchmarks/RESULTS.md): bf16 compute (same accuracy,
# 1.3× the step), a one-cycle schedule at peak 0.2 and BatchNorm momentum 0.9. (No
# horizontal flip on Fashion-MNIST is a property of the data, so apps/fashion_mnist/train.py
# passes it; a weight average scored lower and is off.)
_WIDE_RESNET = Recipe(
    "sgd", 0.2, 5e-4, schedule="one_cycle", precision="mixed_bfloat16", bn_momentum=0.9,
    source="Zagoruyko & Komodakis, Wide Residual Networks, BMVC 2016, §3: SGD Nesterov 0.9, "
    "batch 128, weight decay 5e-4; one-cycle peak 0.2, bf16 and BN momentum 0.9 from issue "
    "14's ablation")
_CIFAR_DENSENET = Recipe(
    "sgd", 0.1, 1e-4, source="Huang et al., Densely Connected Convolutional Networks, CVPR "
    "2017, §4.2: SGD Nesterov 0.9, lr 0.1, weight decay 1e-4")
# AdamW for the rest: the ImageNet-era families were tuned for 224-pixel images, long
# schedules and, for VGG and AlexNet, no batch normalization; Adam at 1e-3 trains every one
# of them on Fashion-MNIST within two epochs (apps/fashion_mnist_zoo/README.md).
_ADAMW = Recipe(
    "adamw", 1e-3, 1e-4, source="AdamW (Loshchilov & Hutter, Decoupled Weight Decay "
    "Regularization, ICLR 2019), lr 1e-3: measured in apps/fashion_mnist_zoo/README.md")

# (pattern over registered names, recipe); the first match wins.
RECIPES = [
    (r"wrn_\d+_\d+$", _WIDE_RESNET),
    (r"(preact_)?resnet(20|32|44|56|110|164|1001|1202)$", _CIFAR_RESNET),
    (r"densenet_(40_12|bc_\d+_\d+)$", _CIFAR_DENSENET),
    # AlexNet's stride-4 11×11 stem and three poolings need 67-pixel inputs (the builder).
    (r"alexnet$", replace(_ADAMW, min_side=67)),
    (r".*", _ADAMW),
]


class NotTrainableHere(ValueError):
    """A registered name that `train classifier` cannot train (not an image classifier)."""


def recipe_for(name):
    """The Recipe of a registered classification architecture; refuses other names."""
    from kerasvision.registry import get_spec

    spec = get_spec(name)  # unknown names: UnknownModelError with close matches
    if spec.task != "classification" or spec.kind != "model":
        what = "a pipeline" if spec.kind != "model" else f"a {spec.task} model"
        raise NotTrainableHere(
            f"{name} is {what}, not an image classification architecture; `train classifier` "
            "trains the names of `kerasvision models --task classification`")
    return next(recipe for pattern, recipe in RECIPES if re.match(pattern, name))


def scaled_learning_rate(recipe, batch_size):
    """The recipe's rate for `batch_size` (scaling rules: see the module docstring)."""
    ratio = batch_size / REFERENCE_BATCH
    return recipe.learning_rate * (ratio if recipe.optimizer == "sgd" else ratio ** 0.5)

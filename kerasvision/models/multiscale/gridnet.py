"""GridNet (Fourure, Emonet, Fromont, Muselet, Trémeau & Wolf, Residual Conv-Deconv Grid Network
for Semantic Segmentation, BMVC 2017).

A grid whose rows are streams at one resolution each and whose columns are layers (§3, Fig. 2):
the default grid has 5 streams of 16, 32, 64, 128 and 256 channels, from the input resolution
down to 1/16, and 6 columns, the first 3 sending information down the streams and the last 3
sending it back up. Along a row, residual units (Fig. 3: BN-ReLU-conv3×3 twice, plus the
identity) carry each stream to the next column; between rows, a down-sampling unit (BN-ReLU-
conv3×3 with stride 2, then BN-ReLU-conv3×3) feeds the next coarser stream in the first
columns, and an up-sampling unit (BN-ReLU-transposed conv3×3 with stride 2, then BN-ReLU-
conv3×3) the next finer one in the last columns. Where two arrive at a node they are summed.
The image enters the first stream at the first column and the prediction leaves it at the last.

Total dropout (§3): while training, each residual unit of the rows is dropped whole with
probability p (one draw per unit and batch; kerasvision.layers.TotalDropout), leaving its
identity, so that every stream is used. Choices the paper leaves open: a 3×3 convolution
takes the image to the first stream's width, and BN-ReLU-conv1×1 gives per-pixel logits;
convolutions inside the units have no bias (a BN follows on every path).
"""

from keras import Model, layers

from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization
from kerasvision.layers.total_dropout import TotalDropout
from kerasvision.models.image_input import image_input
from kerasvision.registry import register_model

PAPER = ("Fourure, Emonet, Fromont, Muselet, Trémeau & Wolf, Residual Conv-Deconv Grid Network "
         "for Semantic Segmentation, BMVC 2017")
STREAM_CHANNELS = (16, 32, 64, 128, 256)


def _bn_relu_conv(x, filters, name, strides=1, transposed=False):
    x = FusedBatchNormalization(name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    conv = layers.Conv2DTranspose if transposed else layers.Conv2D
    return conv(filters, 3, strides=strides, padding="same", use_bias=False,
                name=f"{name}_conv")(x)


def residual_unit(x, total_dropout, name):
    """A row's unit: x + TotalDropout(BN-ReLU-conv3×3, BN-ReLU-conv3×3 of x)."""
    filters = x.shape[-1]
    y = _bn_relu_conv(x, filters, f"{name}_1")
    y = _bn_relu_conv(y, filters, f"{name}_2")
    if total_dropout:
        y = TotalDropout(total_dropout, name=f"{name}_drop")(y)
    return layers.Add(name=f"{name}_add")([x, y])


def down_sampling_unit(x, filters, name):
    """To the next coarser stream: BN-ReLU-conv3×3 stride 2, BN-ReLU-conv3×3."""
    y = _bn_relu_conv(x, filters, f"{name}_1", strides=2)
    return _bn_relu_conv(y, filters, f"{name}_2")


def up_sampling_unit(x, filters, name):
    """To the next finer stream: BN-ReLU-transposed conv3×3 stride 2, BN-ReLU-conv3×3."""
    y = _bn_relu_conv(x, filters, f"{name}_1", strides=2, transposed=True)
    return _bn_relu_conv(y, filters, f"{name}_2")


def _merge(tensors, name):
    return tensors[0] if len(tensors) == 1 else layers.Add(name=name)(tensors)


@register_model(
    "gridnet", task="segmentation", paper=PAPER,
    reference={"params": 13_182_275, "count": "total", "config": {"classes": 19},
               "source": "computed (5 streams of 16-256 channels, 3 + 3 columns, Cityscapes' "
                         "19 classes, BN moving statistics included); the paper's count was "
                         "not checked"},
    tiny={"input_shape": (16, 16, 3), "classes": 3, "stream_channels": (2, 2),
          "down_columns": 2, "up_columns": 1})
def gridnet(input_shape=None, classes=19, stream_channels=STREAM_CHANNELS, down_columns=3,
            up_columns=3, total_dropout=0.5, name="gridnet"):
    """GridNet: streams at 1, 1/2, ... 1/2^(R-1) of the input, down then up columns.

    Args:
        input_shape: (H, W, C), sides multiples of 2^(R-1) (16 for 5 streams); None: any
            such size, 3 channels.
        classes: per-pixel classes (19 for Cityscapes, the paper's).
        stream_channels: channels of each stream, finest first (R = its length).
        down_columns, up_columns: columns sending information down, then up (3 and 3).
        total_dropout: probability of dropping a residual unit of the rows while training.
        name: model name.
    """
    rows = len(stream_channels)
    inputs = image_input(None, input_shape, (None, None, 3), min_size=2 ** (rows - 1),
                         model_name=name)
    for side in inputs.shape[1:3]:
        if side is not None and side % 2 ** (rows - 1):
            raise ValueError(f"{name}: input sides must be multiples of {2 ** (rows - 1)} "
                             f"({rows} streams), got {tuple(inputs.shape[1:])}")
    grid = {}  # (row, column) -> tensor, both from 1
    grid[1, 1] = layers.Conv2D(stream_channels[0], 3, padding="same", name="stem_conv")(inputs)
    for column in range(1, down_columns + 1):
        for row in range(1, rows + 1):
            arriving = []
            if column > 1:
                arriving.append(residual_unit(grid[row, column - 1], total_dropout,
                                              f"lateral_r{row}c{column}"))
            if row > 1:
                arriving.append(down_sampling_unit(grid[row - 1, column],
                                                   stream_channels[row - 1],
                                                   f"down_r{row}c{column}"))
            if arriving:
                grid[row, column] = _merge(arriving, f"node_r{row}c{column}")
    for column in range(down_columns + 1, down_columns + up_columns + 1):
        for row in range(rows, 0, -1):
            arriving = [residual_unit(grid[row, column - 1], total_dropout,
                                      f"lateral_r{row}c{column}")]
            if row < rows:
                arriving.append(up_sampling_unit(grid[row + 1, column],
                                                 stream_channels[row - 1],
                                                 f"up_r{row}c{column}"))
            grid[row, column] = _merge(arriving, f"node_r{row}c{column}")
    x = grid[1, down_columns + up_columns]
    x = FusedBatchNormalization(name="head_bn")(x)
    x = layers.Activation("relu", name="head_relu")(x)
    scores = layers.Conv2D(classes, 1, name="pixel_scores")(x)
    return Model(inputs, scores, name=name)

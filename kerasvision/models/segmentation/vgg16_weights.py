"""Initialising a segmentation net on a VGG-16 base from a trained VGG-16 classifier.

Long et al. (Fully Convolutional Networks for Semantic Segmentation, CVPR 2015, §3.1, Fig. 2)
"convolutionalize" the classifier: its fully connected layers are convolutions whose kernels
cover their whole input. fc1 (25088 → 4096, over the 7×7×512 pool5 map) becomes fc6, a 7×7
convolution, and fc2 (4096 → 4096) becomes fc7, a 1×1 convolution: the same numbers,
reshaped. Keras flattens pool5 in (row, column, channel) order, which is the order of a
(7, 7, 512, 4096) convolution kernel, so the reshape is exact. Yu & Koltun's front end and
DeconvNet start from the same weights; SegNet takes the 13 convolutions only.

    vgg16 = kerasvision.models.build("vgg16", weights="imagenet")
    net = kerasvision.models.build("fcn8s")
    transfer_vgg16_weights(vgg16, net)
"""

import numpy as np

# The classifier's fully connected layers and the convolutions they become.
CONVOLUTIONALIZED = {"fc1": "fc6", "fc2": "fc7"}


def transfer_vgg16_weights(classifier, net):
    """Copy `classifier`'s (a VGG-16 with its top) weights into `net`; return the copied names.

    Convolutions are matched by name (`block1_conv1` ... `block5_conv3`, which `net` keeps);
    fc1 and fc2 are reshaped into `net`'s fc6 and fc7 where it has them. A dilated
    convolution of the same kernel shape takes the weights as they are.

    Raises:
        ValueError: where a matched layer's weights cannot take the classifier's (another
            width, or an fc6 whose kernel does not cover a 7×7 pool5).
    """
    net_layers = {layer.name: layer for layer in net.layers}
    copied = []
    for layer in classifier.layers:
        target_name = CONVOLUTIONALIZED.get(layer.name, layer.name)
        is_conv = layer.name.startswith("block") and "_conv" in layer.name
        if target_name not in net_layers or not (is_conv or layer.name in CONVOLUTIONALIZED):
            continue
        target = net_layers[target_name]
        kernel, bias = layer.get_weights()
        want = [tuple(w.shape) for w in target.weights]
        if int(np.prod(kernel.shape)) != int(np.prod(want[0])) or tuple(bias.shape) != want[1]:
            raise ValueError(f"{layer.name} {tuple(kernel.shape)} does not fit {target_name} "
                             f"{want[0]}: build both at the same width (and a 7×7 fc6)")
        target.set_weights([kernel.reshape(want[0]), bias])
        copied.append(target_name)
    return copied

"""Classification architectures: LeNet-5 to DenseNet and wide residual networks."""

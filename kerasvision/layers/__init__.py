"""Custom Keras layers, one concept per file (docs/architecture.md: layers know no architecture)."""

from kerasvision.layers.euclidean_rbf import EuclideanRBF  # noqa: F401
from kerasvision.layers.local_response_normalization import LocalResponseNormalization  # noqa: F401
from kerasvision.layers.partially_connected_conv2d import PartiallyConnectedConv2D  # noqa: F401
from kerasvision.layers.scaled_tanh import ScaledTanh  # noqa: F401
from kerasvision.layers.trainable_subsampling import TrainableSubsampling  # noqa: F401
from kerasvision.layers.zero_padded_identity import ZeroPaddedIdentity  # noqa: F401
from kerasvision.layers.bilinear_initializer import BilinearInitializer  # noqa: F401
from kerasvision.layers.locally_connected_2d import LocallyConnected2D  # noqa: F401
from kerasvision.layers.max_pooling_with_argmax_2d import MaxPoolingWithArgmax2D  # noqa: F401
from kerasvision.layers.max_unpooling_2d import MaxUnpooling2D  # noqa: F401
from kerasvision.layers.maxout import Maxout  # noqa: F401
from kerasvision.layers.sign import Sign  # noqa: F401
from kerasvision.layers.weight_normalization import WeightNormalization  # noqa: F401
from kerasvision.layers.drop_connect import DropConnectDense  # noqa: F401
from kerasvision.layers.kernel_responses import KernelResponses, pairwise_kernel  # noqa: F401
from kerasvision.layers.random_fourier_features import RandomFourierFeatures  # noqa: F401
from kerasvision.layers.nystroem_features import NystroemFeatures  # noqa: F401
from kerasvision.layers.gaussian_basis import GaussianBasis  # noqa: F401
from kerasvision.layers.class_names import ClassNames  # noqa: F401
from kerasvision.layers.imagenet_preprocessing import ImageNetPreprocessing  # noqa: F401
from kerasvision.layers.horizontal_flip import HorizontalFlip  # noqa: F401
from kerasvision.layers.translated_views import TranslatedViews, ViewAverage  # noqa: F401
from kerasvision.layers.roi_pooling import RoIPooling  # noqa: F401
from kerasvision.layers.roi_align import RoIAlign  # noqa: F401
from kerasvision.layers.l2_normalization import L2Normalization  # noqa: F401
from kerasvision.layers.edge_gate import EdgeGate  # noqa: F401
from kerasvision.layers.total_dropout import TotalDropout  # noqa: F401
from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization  # noqa: F401
from kerasvision.layers.column_average import ColumnAverage  # noqa: F401

"""The linear parts of R-CNN fitted on CNN features, in numpy: closed-form ridge regression
(the bounding-box regressors) and multinomial logistic regression (the classifier).

Both return `(weights (D, K), bias (K,))` acting on raw features, `features @ weights + bias`;
the bias is never regularised.
"""

import numpy as np


def fit_ridge(features, targets, ridge_lambda):
    """Ridge regression, argmin_W,b ||X W + b - T||^2 + lambda ||W||^2, in closed form.

    The bias is fitted by centring X and T. With more features than samples the dual form
    W = Xc^T (Xc Xc^T + lambda I)^-1 Tc is solved (the same W, a smaller system).

    Args:
        features: (N, D) samples.
        targets: (N, K) targets.
        ridge_lambda: lambda > 0 (R-CNN: 1000, Girshick et al. 2014, Appendix C).
    """
    x = np.asarray(features, np.float64)
    t = np.asarray(targets, np.float64)
    if x.ndim != 2 or t.ndim != 2 or len(x) != len(t):
        raise ValueError(f"want (N, D) features and (N, K) targets, got {x.shape}, {t.shape}")
    if ridge_lambda <= 0:
        raise ValueError(f"ridge_lambda must be positive, got {ridge_lambda}")
    if len(x) == 0:
        return np.zeros((x.shape[1], t.shape[1]), np.float32), np.zeros(t.shape[1], np.float32)
    x_mean, t_mean = x.mean(axis=0), t.mean(axis=0)
    xc, tc = x - x_mean, t - t_mean
    samples, dims = xc.shape
    if dims <= samples:
        weights = np.linalg.solve(xc.T @ xc + ridge_lambda * np.eye(dims), xc.T @ tc)
    else:
        weights = xc.T @ np.linalg.solve(xc @ xc.T + ridge_lambda * np.eye(samples), tc)
    bias = t_mean - x_mean @ weights
    return weights.astype(np.float32), bias.astype(np.float32)


def softmax(logits):
    """Row-wise softmax of (N, K) logits, stable for large ones."""
    logits = np.asarray(logits, np.float64)
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def fit_softmax_regression(features, labels, num_classes, l2=1e-3, steps=300,
                           learning_rate=0.05):
    """Multinomial logistic regression by full-batch Adam on standardised features.

    Minimises the mean cross-entropy plus `l2 / 2 * ||W||^2` (W on standardised features);
    starting from W = 0 and the classes' log frequencies as bias, so the fit is deterministic.
    The standardisation is folded into the returned weights.

    Args:
        features: (N, D) samples.
        labels: (N,) integer classes in [0, num_classes).
        num_classes: K.
    """
    x = np.asarray(features, np.float64)
    y = np.asarray(labels, np.int64).reshape(-1)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f"want (N, D) features and (N,) labels, got {x.shape}, {y.shape}")
    if len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must be in [0, {num_classes}), got {y.min()}..{y.max()}")
    dims = x.shape[1]
    if len(x) == 0:
        return np.zeros((dims, num_classes), np.float32), np.zeros(num_classes, np.float32)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-8] = 1.0  # a constant feature carries nothing; leave it unscaled
    z = (x - mean) / scale
    one_hot = np.eye(num_classes)[y]
    counts = one_hot.sum(axis=0)
    # Log frequencies, floored for classes absent from the training set.
    bias = np.log(np.maximum(counts, 0.5) / len(y))
    weights = np.zeros((dims, num_classes))
    params = [weights, bias]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, steps + 1):
        error = (softmax(z @ weights + bias) - one_hot) / len(y)
        grads = [z.T @ error + l2 * weights, error.sum(axis=0)]
        for p, g, m, v in zip(params, grads, moments, squares):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            p -= learning_rate * (m / (1 - beta1 ** step)) / (np.sqrt(v / (1 - beta2 ** step))
                                                              + eps)
    raw_weights = weights / scale[:, None]
    raw_bias = bias - mean @ raw_weights
    return raw_weights.astype(np.float32), raw_bias.astype(np.float32)


__all__ = ["fit_ridge", "fit_softmax_regression", "softmax"]

"""Shared toy data of the classic-model tests: concentric circles, separable by a kernel machine
and not by a line, and a probe grid over them."""

import numpy as np
import pytest


def _circles(n=120, seed=0, radii=(1.0, 2.5), noise=0.15):
    """`(x, t)`: inner circle t = +1, outer circle t = −1."""
    rng = np.random.default_rng(seed)
    r = np.where(rng.uniform(size=n) < 0.5, *radii)
    a = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([r * np.cos(a), r * np.sin(a)], 1) + rng.normal(0, noise, (n, 2))
    return x.astype("float32"), np.where(r == radii[0], 1.0, -1.0).astype("float32")


def _grid(half_width=3.5, steps=60):
    axis = np.linspace(-half_width, half_width, steps)
    return np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2).astype("float32")


@pytest.fixture
def concentric_circles():
    return _circles


@pytest.fixture
def grid():
    return _grid

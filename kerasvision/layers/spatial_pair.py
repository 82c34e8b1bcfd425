"""Argument normalisation shared by 2-D layers: an int or a pair -> a pair of positive ints."""


def spatial_pair(value, name):
    """`3` -> (3, 3), `(2, 3)` -> (2, 3); anything else raises ValueError naming `name`."""
    pair = (value, value) if isinstance(value, int) else tuple(int(v) for v in value)
    if len(pair) != 2 or min(pair) < 1:
        raise ValueError(f"{name} must be a positive int or a pair of them, got {value!r}")
    return pair

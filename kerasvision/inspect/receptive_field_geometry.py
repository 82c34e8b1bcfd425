"""The receptive field of a unit, per spatial axis: size, jump and start.

Following Araujo et al. (Computing Receptive Fields of Convolutional Neural Networks, Distill
2019) and Dumoulin & Visin (2016): a tensor's units along one axis see `size` input pixels;
neighbouring units are `jump` input pixels apart (the effective stride); the first unit's field
is centred on input pixel `start` (pixel centres at 0, 1, 2, ...; fields of padded layers may
begin before pixel 0).
"""

import dataclasses
import math


@dataclasses.dataclass(frozen=True)
class FieldAxis:
    """One spatial axis: `size` pixels, `jump` pixels between units, first centre at `start`.

    `jump` is None once the spatial layout is gone (after Flatten or global pooling); `size`
    then spans everything the tensor saw, and is None where that is not known.
    After upsampling, units are no longer evenly spread (nearest upsampling repeats each
    field); `start + i·jump` is then the trend of the centres and `slack` bounds how far the
    actual edges of unit i's field stray from that trend (0 for convolution/pooling nets).
    """

    size: float
    jump: float = 1
    start: float = 0.0
    slack: float = 0.0


@dataclasses.dataclass(frozen=True)
class ReceptiveField:
    """The receptive field of a tensor's units: one FieldAxis per spatial axis (height, width)."""

    axes: tuple

    @property
    def size(self):
        return tuple(_plain(a.size) for a in self.axes)

    @property
    def jump(self):
        return tuple(_plain(a.jump) for a in self.axes)

    @property
    def start(self):
        return tuple(_plain(a.start) for a in self.axes)

    def box(self, *index):
        """Inclusive input-pixel bounds ((lo, hi) per axis) of the field of unit `index`."""
        if len(index) != len(self.axes):
            raise ValueError(f"expected {len(self.axes)} indices, got {index}")
        bounds = []
        for a, i in zip(self.axes, index):
            if a.jump is None or a.size is None:
                raise ValueError("this tensor has no spatial layout; its field is global")
            centre = a.start + i * a.jump
            half = (a.size - 1) / 2 + a.slack
            bounds.append((math.floor(centre - half + 1e-9), math.ceil(centre + half - 1e-9)))
        return tuple(bounds)

    def clipped_box(self, index, image_shape):
        """`box(*index)` clipped to an image of spatial shape `image_shape` (the border cut)."""
        return tuple((max(lo, 0), min(hi, n - 1))
                     for (lo, hi), n in zip(self.box(*index), image_shape))


def _plain(value):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def identity_field(rank):
    """The field of an input tensor of `rank` (batch, spatial..., channels): one pixel each."""
    return ReceptiveField(tuple(FieldAxis(1, 1, 0.0) for _ in range(max(rank - 2, 0))))


def windowed(field, kernel, stride, dilation, pad_before):
    """A window of `kernel` taps `dilation` apart, moved by `stride`, after `pad_before` zeros.

    size += (d(k − 1)) · jump; jump *= stride; start += ((d(k − 1))/2 − pad_before) · jump.
    """
    axes = []
    for a, k, s, d, p in zip(field.axes, kernel, stride, dilation, pad_before):
        span = d * (k - 1)
        axes.append(FieldAxis(a.size + span * a.jump, a.jump * s,
                              a.start + (span / 2 - p) * a.jump, a.slack))
    return ReceptiveField(tuple(axes))


def transposed(field, kernel, stride, dilation, pad_before):
    """A transposed convolution: output o receives input i where o = i·s − p + t (t a tap).

    Up to ⌊(d(k − 1))/s⌋ + 1 input units reach one output unit; jump /= s; the centre of
    output o lies at input (o + p − d(k − 1)/2)/s. Nearest-neighbour upsampling and max
    unpooling are the case k = s, p = 0; bilinear upsampling is k = 2s − s mod 2,
    p = ⌊(k − s)/2⌋.
    """
    axes = []
    for a, k, s, d, p in zip(field.axes, kernel, stride, dilation, pad_before):
        span = d * (k - 1)
        reach = span // s
        # Slack: how far the extreme inputs reaching output o stray from the trend (in units).
        stray = 0.0
        for o in range(s * d):
            reached = [(o + p - t) // s for t in range(0, span + 1, d) if (o + p - t) % s == 0]
            if reached:
                trend = (o + p - span / 2) / s
                stray = max(stray, trend - reach / 2 - min(reached),
                            max(reached) - trend - reach / 2)
        axes.append(FieldAxis(a.size + reach * a.jump, a.jump / s,
                              a.start + (p - span / 2) / s * a.jump, a.slack + stray * a.jump))
    return ReceptiveField(tuple(axes))


def shifted(field, offsets):
    """Zero padding (negative offsets) or cropping (positive): unit 0 moves by `offset` units."""
    return ReceptiveField(tuple(FieldAxis(a.size, a.jump, a.start + o * a.jump, a.slack)
                                for a, o in zip(field.axes, offsets)))


def collapsed(field, spatial_shape):
    """Global pooling or Flatten: every unit now sees the fields of all n positions."""
    axes = []
    for a, n in zip(field.axes, spatial_shape):
        if a.jump is None:
            axes.append(a)
        elif n is None or a.size is None:
            axes.append(FieldAxis(None, None, None))
        else:
            axes.append(FieldAxis(a.size + (n - 1) * a.jump, None, a.start + (n - 1) / 2 * a.jump))
    return ReceptiveField(tuple(axes))


def union(fields):
    """Merge layers (Add, Concatenate, ...): the field covering every input's field of unit 0.

    When all inputs are aligned this is the largest of them (the maximum over DAG paths).
    """
    fields = list(fields)
    if any(f is None for f in fields):
        return None
    ranks = {len(f.axes) for f in fields}
    if len(ranks) != 1:
        return None
    axes = []
    for per_input in zip(*(f.axes for f in fields)):
        if any(a.size is None or a.start is None for a in per_input):
            axes.append(FieldAxis(None, None, None))
            continue
        lo = min(a.start - (a.size - 1) / 2 for a in per_input)
        hi = max(a.start + (a.size - 1) / 2 for a in per_input)
        jumps = [a.jump for a in per_input]
        jump = None if any(j is None for j in jumps) else max(jumps)
        axes.append(FieldAxis(hi - lo + 1, jump, (lo + hi) / 2,
                              max(a.slack for a in per_input)))
    return ReceptiveField(tuple(axes))

"""Semantic segmentation architectures: per-pixel class scores at input resolution (the
segmentation contract, kerasvision/models/contracts/segmentation.py; docs/segmentation.md)."""

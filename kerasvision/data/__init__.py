"""Datasets: Fashion-MNIST, folders of class sub-folders, augmentation, and validated
readers for COCO and Pascal VOC annotations and segmentation masks (never outside their root).
"""

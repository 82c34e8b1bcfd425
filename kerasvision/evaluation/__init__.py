"""Scoring predictions against ground truth (COCO detection metrics through pycocotools)."""

"""Datasets: Fashion-MNIST, Fashion scenes, image folders."""

"""fugou (复购): old-customer marketing pipeline for e-commerce shops."""

__version__ = "0.1.0"

"""pyfaasm: the Faasm host interface for Python functions. The API is in pyfaasm.core."""

__version__ = "0.5.0"

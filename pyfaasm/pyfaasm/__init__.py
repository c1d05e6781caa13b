# SPDX-License-Identifier: Apache-2.0
"""pyfaasm: the Faasm host interface for Python functions. The API is in pyfaasm.core."""

from . import config, core, objects

__all__ = ["config", "core", "objects"]
__version__ = "0.5.0"

# SPDX-License-Identifier: Apache-2.0
"""Objects kept in Faasm state (Faasm's pyfaasm declares the class and nothing more)."""


class Dictionary:
    pass

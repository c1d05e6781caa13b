# SPDX-License-Identifier: Apache-2.0
"""
Settings for Faasm's divide-and-conquer matrix multiplication, as in Faasm's pyfaasm (the numpy
part is pyfaasm.matrix).
"""

# Elements are 32-bit floats, so wasm and native code agree on the layout.
NP_ELEMENT_SIZE = 4

SUBMATRICES_KEY_A = "mat_a"
SUBMATRICES_KEY_B = "mat_b"
INTERMEDIATE_RESULT_PREFIX = "intermediate"
RESULT_MATRIX_KEY = "result_matrix"
MATRIX_CONF_STATE_KEY = "matrix_state"


class MatrixConf:
    """A square matrix of matrix_size, split into quarters n_splits times."""

    def __init__(self, matrix_size: int, n_splits: int) -> None:
        self.matrix_size = matrix_size
        self.n_splits = n_splits
        self.bytes_per_matrix = matrix_size * matrix_size * NP_ELEMENT_SIZE

    def get_submatrices_per_row(self, split_level: int) -> int:
        return int(2**split_level)

    def get_submatrix_size(self, split_level: int) -> int:
        return self.matrix_size // self.get_submatrices_per_row(split_level)

    def get_bytes_per_submatrix(self, split_level: int) -> int:
        return self.get_submatrix_size(split_level) ** 2 * NP_ELEMENT_SIZE

    def get_intermediate_result_key(
        self, split_level: int, row_a: int, col_a: int, row_b: int, col_b: int
    ) -> str:
        parts = (INTERMEDIATE_RESULT_PREFIX, split_level, row_a, col_a, row_b, col_b)
        return "_".join(str(p) for p in parts)

    def get_submatrix_key(self, key_prefix: str, split_level: int, row_idx: int, col_idx: int) -> str:
        return "{}_{}_{}_{}".format(key_prefix, split_level, row_idx, col_idx)

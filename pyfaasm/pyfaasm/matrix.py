# SPDX-License-Identifier: Apache-2.0
"""
Faasm's divide-and-conquer matrix multiplication over state and chained calls, with the names and
behaviour of Faasm's pyfaasm.matrix (faasm/python 0a0e9a73), so its ``mat_mul`` function runs.

Matrices are square float32, split into quarters ``n_splits`` times (pyfaasm.config.MatrixConf).
The inputs live in state as submatrices at the deepest split (keys ``mat_a_<n>_<row>_<col>``);
``divide_and_conquer`` chains eight ``distributed_divide_and_conquer`` calls per level, each
multiplying a pair of quarters (or splitting again), adds the pairs and writes the product
under ``RESULT_MATRIX_KEY``. The function module that chains must define
``distributed_divide_and_conquer`` at its top level: chaining names the entry function.
"""

from typing import Any, Callable, List, Tuple

import numpy as np

from .config import (
    MATRIX_CONF_STATE_KEY,
    RESULT_MATRIX_KEY,
    SUBMATRICES_KEY_A,
    SUBMATRICES_KEY_B,
    MatrixConf,
)
from .core import await_call, chain, read_state, write_state

# numpy's arrays; Any, since pyfaasm's type check runs without numpy installed.
Matrix = Any
Block = Tuple[int, int]


def write_matrix_params_to_state(matrix_size: int, n_splits: int) -> None:
    write_state(MATRIX_CONF_STATE_KEY, np.array((matrix_size, n_splits), dtype=np.int32).tobytes())


def load_matrix_conf_from_state() -> MatrixConf:
    params = np.frombuffer(read_state(MATRIX_CONF_STATE_KEY, 2 * 4), dtype=np.int32)
    return MatrixConf(int(params[0]), int(params[1]))


def random_matrix(size: int) -> Matrix:
    return np.random.rand(size, size).astype(np.float32)


def do_subdivide_matrix(
    conf: MatrixConf, mat: Matrix, write_func: Callable[[bytes, int, int], None]
) -> None:
    """Calls ``write_func(bytes, row, col)`` for each submatrix at the deepest split."""
    per_row = conf.get_submatrices_per_row(conf.n_splits)
    size = conf.get_submatrix_size(conf.n_splits)
    for row in range(per_row):
        for col in range(per_row):
            block = mat[row * size : (row + 1) * size, col * size : (col + 1) * size]
            write_func(np.ascontiguousarray(block, dtype=np.float32).tobytes(), row, col)


def do_reconstruct_matrix(conf: MatrixConf, read_func: Callable[[int, int], bytes]) -> Matrix:
    """The whole matrix from ``read_func(row, col)``'s submatrix bytes at the deepest split."""
    per_row = conf.get_submatrices_per_row(conf.n_splits)
    size = conf.get_submatrix_size(conf.n_splits)
    rows = [
        np.concatenate(
            [
                np.frombuffer(read_func(row, col), dtype=np.float32).reshape(size, size)
                for col in range(per_row)
            ],
            axis=1,
        )
        for row in range(per_row)
    ]
    return np.concatenate(rows, axis=0)


def subdivide_matrix_into_state(conf: MatrixConf, mat: Matrix, key_prefix: str) -> None:
    def write(data: bytes, row: int, col: int) -> None:
        write_state(conf.get_submatrix_key(key_prefix, conf.n_splits, row, col), data)

    do_subdivide_matrix(conf, mat, write)


def read_input_submatrix(conf: MatrixConf, key_prefix: str, row_idx: int, col_idx: int) -> Matrix:
    size = conf.get_submatrix_size(conf.n_splits)
    key = conf.get_submatrix_key(key_prefix, conf.n_splits, row_idx, col_idx)
    data = read_state(key, conf.get_bytes_per_submatrix(conf.n_splits))
    return np.frombuffer(data, dtype=np.float32).reshape(size, size)


def reconstruct_matrix_from_submatrices(conf: MatrixConf, key_prefix: str) -> Matrix:
    def read(row: int, col: int) -> bytes:
        key = conf.get_submatrix_key(key_prefix, conf.n_splits, row, col)
        return read_state(key, conf.get_bytes_per_submatrix(conf.n_splits))

    return do_reconstruct_matrix(conf, read)


def _read_result(conf: MatrixConf, split_level: int, pair: Tuple[Block, Block]) -> Matrix:
    a, b = pair
    size = conf.get_submatrix_size(split_level)
    key = conf.get_intermediate_result_key(split_level, a[0], a[1], b[0], b[1])
    data = read_state(key, conf.get_bytes_per_submatrix(split_level))
    return np.frombuffer(data, dtype=np.float32).reshape(size, size)


def get_addition_result(
    conf: MatrixConf, split_level: int, addition_def: List[Tuple[Block, Block]]
) -> Matrix:
    """The sum of the two products ``addition_def`` names, read from state."""
    return _read_result(conf, split_level, addition_def[0]) + _read_result(
        conf, split_level, addition_def[1]
    )


def chain_multiplications(
    conf: MatrixConf, split_level: int, row_a: int, col_a: int, row_b: int, col_b: int
) -> Matrix:
    """Splits the (row_a, col_a) x (row_b, col_b) product into eight products of quarters, one
    chained call each (to the entry of the calling function named as this module's worker), and returns their pairwise sums assembled into the product."""
    level = split_level + 1
    a: List[List[Block]] = [[(2 * row_a + i, 2 * col_a + j) for j in (0, 1)] for i in (0, 1)]
    b: List[List[Block]] = [[(2 * row_b + i, 2 * col_b + j) for j in (0, 1)] for i in (0, 1)]
    # C_ij = A_i0 B_0j + A_i1 B_1j
    additions = [
        [(a[i][0], b[0][j]), (a[i][1], b[1][j])] for i in (0, 1) for j in (0, 1)
    ]
    call_ids = []
    for pair in additions:
        for (ra, ca), (rb, cb) in pair:
            args = np.array([level, ra, ca, rb, cb], dtype=np.int32).tobytes()
            call_ids.append(chain(distributed_divide_and_conquer, args))
    for call_id in call_ids:
        await_call(call_id)
    r = [get_addition_result(conf, level, pair) for pair in additions]
    return np.concatenate(
        (np.concatenate((r[0], r[1]), axis=1), np.concatenate((r[2], r[3]), axis=1)), axis=0
    )


def distributed_divide_and_conquer(input_bytes: bytes) -> None:
    """One chained worker: multiplies its pair of submatrices, or splits it again, and writes
    the product to state."""
    conf = load_matrix_conf_from_state()
    level, row_a, col_a, row_b, col_b = (int(x) for x in np.frombuffer(input_bytes, dtype=np.int32))
    if level == conf.n_splits:
        result = np.dot(
            read_input_submatrix(conf, SUBMATRICES_KEY_A, row_a, col_a),
            read_input_submatrix(conf, SUBMATRICES_KEY_B, row_b, col_b),
        )
    else:
        result = chain_multiplications(conf, level, row_a, col_a, row_b, col_b)
    key = conf.get_intermediate_result_key(level, row_a, col_a, row_b, col_b)
    write_state(key, np.ascontiguousarray(result, dtype=np.float32).tobytes())


def divide_and_conquer() -> None:
    """Multiplies the matrices in state (A and B) and writes the product to state."""
    conf = load_matrix_conf_from_state()
    print(
        "Running divide and conquer for {0}x{0} matrix with {1} splits".format(
            conf.matrix_size, conf.n_splits
        )
    )
    if conf.n_splits == 0:
        result = np.dot(
            read_input_submatrix(conf, SUBMATRICES_KEY_A, 0, 0),
            read_input_submatrix(conf, SUBMATRICES_KEY_B, 0, 0),
        )
    else:
        result = chain_multiplications(conf, 0, 0, 0, 0, 0)
    write_state(RESULT_MATRIX_KEY, np.ascontiguousarray(result, dtype=np.float32).tobytes())

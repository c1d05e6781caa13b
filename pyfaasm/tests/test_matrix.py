# SPDX-License-Identifier: Apache-2.0
"""pyfaasm.matrix multiplies through state and chained calls, emulated in-process (numpy needed)."""

import json
from types import ModuleType

import pytest

np = pytest.importorskip("numpy")


@pytest.mark.parametrize("n_splits", [0, 1, 2])
def test_divide_and_conquer_is_the_product(core: ModuleType, n_splits: int) -> None:
    import importlib

    import pyfaasm.matrix

    matrix = importlib.reload(pyfaasm.matrix)  # bound to the fresh pyfaasm.core
    from pyfaasm.config import RESULT_MATRIX_KEY, SUBMATRICES_KEY_A, SUBMATRICES_KEY_B, MatrixConf

    core.set_local_chaining(True)
    core.set_emulator_message(json.dumps({"user": "python", "function": "py_func"}))
    size = 8
    matrix.write_matrix_params_to_state(size, n_splits)
    conf = matrix.load_matrix_conf_from_state()
    assert (conf.matrix_size, conf.n_splits) == (size, n_splits)
    a, b = matrix.random_matrix(size), matrix.random_matrix(size)
    matrix.subdivide_matrix_into_state(conf, a, SUBMATRICES_KEY_A)
    matrix.subdivide_matrix_into_state(conf, b, SUBMATRICES_KEY_B)
    assert np.array_equal(matrix.reconstruct_matrix_from_submatrices(conf, SUBMATRICES_KEY_A), a)
    matrix.divide_and_conquer()
    got = np.frombuffer(core.read_state(RESULT_MATRIX_KEY, size * size * 4), dtype=np.float32)
    assert np.allclose(got.reshape(size, size), a @ b, rtol=1e-5)
    assert isinstance(conf, MatrixConf)

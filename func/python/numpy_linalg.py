"""numpy in a Faasm function: linalg (numpy's bundled LAPACK), fft and seeded random streams,
each checked against numbers known independently of this build."""
import json

import numpy as np

from pyfaasm.core import write_output


def close(got, want):
    return bool(np.allclose(got, want, rtol=1e-12, atol=1e-12))


def faasm_main():
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    x = np.linalg.solve(a, [9.0, 8.0])
    assert close(x, [2.0, 3.0]), x
    assert close(np.linalg.inv(a), np.array([[2.0, -1.0], [-1.0, 3.0]]) / 5.0)
    assert close(np.linalg.det(np.array([[1.0, 2.0], [3.0, 4.0]])), -2.0)
    # Eigenvalues of [[2, 1], [1, 2]] are 1 and 3; singular values of diag(3, -4) are 4 and 3.
    assert close(np.sort(np.linalg.eig(np.array([[2.0, 1.0], [1.0, 2.0]]))[0]), [1.0, 3.0])
    assert close(np.linalg.svd(np.diag([3.0, -4.0]), compute_uv=False), [4.0, 3.0])
    m = np.arange(1.0, 10.0).reshape(3, 3) + np.eye(3)
    q, r = np.linalg.qr(m)
    assert close(q @ r, m)

    spectrum = np.fft.fft([1.0, 2.0, 3.0, 4.0])
    assert close(spectrum, [10, -2 + 2j, -2, -2 - 2j]), spectrum
    assert close(np.fft.irfft(np.fft.rfft(np.arange(7.0)), 7), np.arange(7.0))

    # numpy documents both streams as stable across versions and platforms.
    g = np.random.default_rng(42).random(3)
    assert close(g, [0.7739560485559633, 0.4388784397520523, 0.8585979199113825]), g
    np.random.seed(0)
    legacy = np.random.rand()
    assert legacy == 0.5488135039273248, legacy

    write_output(
        json.dumps(
            {
                "solve": x.tolist(),
                "fft": [[z.real, z.imag] for z in spectrum.tolist()],
                "default_rng_42": g.tolist(),
                "seed_0_rand": legacy,
            }
        ).encode()
    )
    return 0

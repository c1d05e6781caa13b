"""pyperformance's DeltaBlue constraint solver, 100 iterations (pyperformance 1.0.0's module)."""
from pyperformance.benchmarks.bm_deltablue import delta_blue


def faasm_main():
    print("DeltaBlue: 100 iterations")
    delta_blue(100)
    print("DeltaBlue: done")
    return 0

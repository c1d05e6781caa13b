"""Multiplies the matrices in state with pyfaasm.matrix's divide and conquer (each level eight
chained calls of this function's distributed_divide_and_conquer entry), then says so."""
import pyfaasm.matrix as matrix
from pyfaasm.core import set_output


def distributed_divide_and_conquer(data):
    matrix.distributed_divide_and_conquer(data)
    return 0


def faasm_main():
    matrix.divide_and_conquer()
    set_output(b"Matrix multiplication finished")
    return 0

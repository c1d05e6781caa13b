"""The input, back as the output."""
from pyfaasm.core import get_input_len, read_input, write_output


def faasm_main():
    n = get_input_len()
    if n:
        write_output(read_input(n))
    return 0

"""Writes its input, byte for byte, as its output."""
from pyfaasm.core import get_input_len, read_input, write_output


def faasm_main():
    data = read_input()
    assert len(data) == get_input_len()
    write_output(data)
    return 0

"""hashlib, hmac and zlib against known digests."""
import hashlib
import hmac
import zlib

from pyfaasm.core import write_output

DATA = b"The quick brown fox jumps over the lazy dog"

EXPECTED = {
    "md5": "9e107d9d372bb6826bd81d3542a419d6",
    "sha1": "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
    "sha256": "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
    "sha512": "07e547d9586f6a73f73fbac0435ed76951218fb7d0c8d788a309d785436bbb64"
    "2e93a252a954f23912547d1e8a3b5ed6e1bfd7097821233fa0538f3db854fee6",
}


def faasm_main():
    for name, digest in EXPECTED.items():
        assert hashlib.new(name, DATA).hexdigest() == digest, name
    assert len(hashlib.blake2b(DATA).digest()) == 64
    assert hashlib.sha3_256(b"").hexdigest().startswith("a7ffc6f8bf1ed766")
    mac = hmac.new(b"key", DATA, hashlib.sha256).hexdigest()
    assert mac == "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", mac
    assert zlib.crc32(DATA) == 0x414FA339
    assert zlib.decompress(zlib.compress(DATA * 100)) == DATA * 100
    write_output(hashlib.sha256(DATA).hexdigest().encode())
    return 0

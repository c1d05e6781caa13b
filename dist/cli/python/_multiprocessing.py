"""``_multiprocessing`` for WASI: what CPython's C module is on a platform without semaphores.

CPython's configure marks ``_multiprocessing`` n/a on WASI ("processes are not supported"), so
``import multiprocessing.managers`` (s3transfer.compat does it at import, and boto3 imports that)
fails on ``multiprocessing.connection``'s ``import _multiprocessing``. The C module built where
``sem_open`` is missing has ``flags`` and nothing else; so does this one. Importing
multiprocessing, its managers, pools and queues works; what needs another process or a
semaphore fails with an error that says so: ``multiprocessing.synchronize`` raises CPython's
own ImportError ("This platform lacks a functioning sem_open implementation"), and starting a
process fails since WASI has no ``fork``, as pyodide's multiprocessing does under emscripten.
"""

flags = {}

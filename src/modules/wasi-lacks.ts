/**
 * What WASI (preview 1, as wasi-libc builds it without threads) does not provide, recognised in
 * a compiler's or linker's error lines: the reason a package cannot be built, in words.
 */
const LACKS: readonly (readonly [RegExp, string])[] = [
  [/pthread\.h|\bpthread_\w+|<thread>|std::thread|\bsem_(init|wait|post)\b/, 'threads'],
  [
    /sys\/socket\.h|netdb\.h|\bsocket\(|\b(getaddrinfo|gethostbyname|getnameinfo|socketpair)\b|undefined symbol: (socket|connect|bind|listen|accept)\b/,
    'sockets',
  ],
  [/dlfcn\.h|\bdl(open|sym|close|error)\b/, 'dlopen'],
  [/setjmp\.h|\b(sig)?longjmp\b/, 'setjmp/longjmp'],
  [/signal\.h.*not|\bsigaction\b|\bsigprocmask\b/, 'POSIX signals'],
  [/\b(fork|execv\w*|posix_spawn\w*|waitpid)\b/, 'processes'],
];

/** The WASI lack that explains `text` (a build's or link's error lines), if one does. */
export function wasiLack(text: string): string | undefined {
  return LACKS.find(([re]) => re.test(text))?.[1];
}

/**
 * node:wasi prints "ExperimentalWarning: WASI is an experimental feature" on first use, in
 * every worker. It is noise in a function's output; every other warning still shows.
 */
export function silenceWasiWarning(): void {
  const emit = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/WASI is an experimental feature/.test(text)) return;
    (emit as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}

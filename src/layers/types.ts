// The layer contract (inputs, build, key, result) and the options and reporter every layer run
// takes.
import type { ExecOptions, ExecResult } from '../util/exec.js';
import type { FileEntry } from './manifest.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface BuildOptions {
  /** The repository checkout: recipes, patches, C sources. */
  repoRoot: string;
  /** Root of the local layer store, sources cache and logs. */
  cacheDir: string;
  /** Rebuild every selected layer even if a cached one exists (the result is still stored). */
  noCache: boolean;
  /** Parallel jobs for make. */
  jobs: number;
  /** Include the experimental module set. */
  experimental: boolean;
  /** Echo tool output to stderr while building. */
  verbose: boolean;
  /** The CPython line (third-party/cpython/<line>/); undefined: the default line. */
  python?: string;
}

/** What a layer's `inputs` may look at: the options, never the outputs of other layers. */
export interface InputsContext {
  opts: BuildOptions;
}

export interface LayerContext {
  name: string;
  key: string;
  /** Staging directory the layer writes its whole output into. */
  out: string;
  /** Scratch directory, removed when the layer ends. */
  work: string;
  /** This build's log file; every process the layer starts appends to it. */
  log: string;
  opts: BuildOptions;
  /** The committed output directory of a declared dependency. */
  dep(name: string): string;
  /** The keys of every layer run before this one in this build (for manifests). */
  keys: Readonly<Record<string, string>>;
  /** `exec` bound to the layer's log. */
  exec(cmd: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  info(message: string): void;
}

export interface Layer {
  name: string;
  description: string;
  deps: readonly string[];
  /**
   * The repository module that defines the layer (`src/.../x.ts`). Every file it imports,
   * found by esbuild (layers/code-inputs.ts), is part of the key: changing any code that
   * builds the layer rebuilds it.
   */
  source: string;
  /**
   * Repository files the layer's code reads or runs that no import reaches: C sources, Python
   * helpers, a TypeScript runner started as a child process (with everything it imports).
   * Part of the key too.
   */
  data?: readonly string[];
  /**
   * Layers this one consumes that only the options name (the modules layer's one layer per
   * module): planned before it, each a dependency of it.
   */
  expand?(ctx: InputsContext): Promise<Layer[]>;
  /** Everything that can change the output, besides the dependency keys. Must be pure data. */
  inputs(ctx: InputsContext): Promise<Json>;
  build(ctx: LayerContext): Promise<void>;
}

export type LayerStatus = 'built' | 'cached' | 'restored';

export interface LayerResult {
  name: string;
  key: string;
  /** Committed output directory. */
  dir: string;
  status: LayerStatus;
  /** Wall time of this step (lookup, restore or build). */
  ms: number;
  /** Bytes of the layer's output. */
  size: number;
  log: string;
}

export interface LayerMeta {
  name: string;
  key: string;
  deps: Record<string, string>;
  inputs: Json;
  size: number;
  buildMs: number;
  createdAt: string;
  /** Every entry of `out/`: what each use checks the committed tree against. */
  files: FileEntry[];
}

export interface Reporter {
  start(name: string, key: string): void;
  done(result: LayerResult): void;
  info(message: string): void;
  warn(message: string): void;
}

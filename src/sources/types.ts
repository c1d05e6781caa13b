/** One way to obtain a file, pinned by the sha256 of exactly what that route yields. */
export type SourceRoute =
  | { kind: 'url'; url: string; file: string; sha256: string }
  /** The orig tarball of a Debian source package (`apt-get source --download-only`). */
  | { kind: 'debian-source'; package: string; suite: string; file: string; sha256: string }
  /** A Debian binary package (`apt-get download`), for modules Debian mirrors only as .deb. */
  | { kind: 'debian-binary'; package: string; suite: string; file: string; sha256: string }
  /** A .deb by its pool path on the Debian mirror (a pinned toolchain root's packages). */
  | { kind: 'debian-pool'; path: string; file: string; sha256: string }
  /** A file on this machine: absolute, `~/`-relative or relative to the repository. */
  | { kind: 'path'; path: string; file: string; sha256: string };

export interface FetchedSource {
  route: SourceRoute;
  /** The verified file in the sources cache. */
  path: string;
}

/** Patches shipped inside a pinned source (a Debian source package's debian/patches). */
export interface SourcePatches {
  /** The pinned archive holding them. */
  sources: SourceRoute[];
  /** Directory of the patches in the archive, below its top directory (`patches` for debian/patches). */
  dir: string;
  /** Applied in this order, with -p1. */
  apply: string[];
}

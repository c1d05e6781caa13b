// Types of scripts/ensure-node.mjs (plain JavaScript so that it runs before npm ci), for the tests.
export function parseNodeVersionFile(text: string): number[];
export function parseVersion(text: string): number[] | undefined;
export function compareToWanted(version: number[], wanted: number[]): number;
export function olderThan(version: number[], wanted: number[]): boolean;
export function pickVersion(versions: string[], wanted: number[]): string | undefined;
export function checkIntegrity(data: Uint8Array, integrity: string | undefined): void;
export function nodePackage(platform?: string, arch?: string): string;

/** What a numeric option or input accepts: plain decimals only (no 1e308, 0x10 or Infinity). */
export interface NumberSpec {
  min: number;
  max: number;
  /** Whole numbers only. */
  integer?: boolean;
  /** What the number counts, for the message: "seconds", "days". */
  unit?: string;
}

export function describeRange(spec: NumberSpec): string {
  const kind = spec.integer ? 'a whole number' : 'a number';
  return `${kind}${spec.unit ? ` of ${spec.unit}` : ''} from ${spec.min} to ${spec.max}`;
}

/** The number `text` spells when it is within `spec`, else undefined. */
export function parseNumber(text: string, spec: NumberSpec): number | undefined {
  const pattern = spec.integer ? /^\d+$/ : /^\d+(\.\d+)?$|^\.\d+$/;
  if (!pattern.test(text)) return undefined;
  const n = Number(text);
  return n >= spec.min && n <= spec.max ? n : undefined;
}

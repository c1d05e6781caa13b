/**
 * Finds where the string value at a JSON path sits in a JSON text, so a version can be replaced
 * in place without reformatting the file (JSON.stringify would re-indent package.json).
 */

export interface Span {
  /** Offset of the first character inside the quotes. */
  start: number;
  /** Offset of the closing quote. */
  end: number;
  /** The decoded string value. */
  value: string;
}

type Path = readonly (string | number)[];

class Scanner {
  pos = 0;
  found: Span | undefined;
  constructor(
    readonly text: string,
    readonly target: Path,
  ) {}

  fail(what: string): never {
    throw new SyntaxError(`${what} at offset ${this.pos}`);
  }

  ws(): void {
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  expect(ch: string): void {
    this.ws();
    if (this.text[this.pos] !== ch) this.fail(`expected '${ch}'`);
    this.pos++;
  }

  string(): Span {
    this.expect('"');
    const start = this.pos;
    while (this.text[this.pos] !== '"') {
      if (this.pos >= this.text.length) this.fail('unterminated string');
      this.pos += this.text[this.pos] === '\\' ? 2 : 1;
    }
    const end = this.pos++;
    return { start, end, value: JSON.parse(this.text.slice(start - 1, end + 1)) as string };
  }

  value(path: (string | number)[]): void {
    this.ws();
    const ch = this.text[this.pos];
    if (ch === '{') {
      this.pos++;
      this.ws();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return;
      }
      for (;;) {
        const key = this.string().value;
        this.expect(':');
        this.value([...path, key]);
        this.ws();
        if (this.text[this.pos++] === '}') return;
        if (this.text[this.pos - 1] !== ',') this.fail("expected ',' or '}'");
      }
    } else if (ch === '[') {
      this.pos++;
      this.ws();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return;
      }
      for (let i = 0; ; i++) {
        this.value([...path, i]);
        this.ws();
        if (this.text[this.pos++] === ']') return;
        if (this.text[this.pos - 1] !== ',') this.fail("expected ',' or ']'");
      }
    } else if (ch === '"') {
      const span = this.string();
      if (samePath(path, this.target)) this.found = span;
    } else {
      const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
        this.text.slice(this.pos, this.pos + 64),
      );
      if (!m) this.fail('unexpected character');
      this.pos += m[0].length;
    }
  }
}

function samePath(a: Path, b: Path): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/**
 * The span of the string at `path` (e.g. ['packages', '', 'version']), or undefined when the path
 * is absent or not a string. Throws SyntaxError on malformed JSON.
 */
export function findJsonString(text: string, path: Path): Span | undefined {
  const s = new Scanner(text, path);
  s.value([]);
  s.ws();
  if (s.pos < text.length) s.fail('trailing characters');
  return s.found;
}

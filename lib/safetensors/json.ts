// A strict JSON parser for safetensors headers. JSON.parse would do, except that it keeps the
// last of two equal keys silently, and the header must not name a tensor twice. Objects come
// back as Maps (insertion order, duplicates refused), numbers as JsonNumber (their text kept,
// so an integer field can insist on an integer literal as serde's usize does). Linear in the
// input; nesting is capped, so no input recurses deeply.

/**
 * A malformed header; the loader adds `safetensors: <path>:`.
 * @internal
 */
export class HeaderError extends Error {}

/**
 * A JSON number kept as its text, so the header check can judge it as the Rust crate does.
 * @internal
 */
export class JsonNumber {
  constructor(readonly text: string) {}
  /** The value when the text is a non-negative integer literal a JS number holds exactly, else undefined. */
  get index(): number | undefined {
    if (!/^(0|[1-9][0-9]*)$/.test(this.text)) return undefined;
    const v = Number(this.text);
    return Number.isSafeInteger(v) ? v : undefined;
  }
}

/**
 * A parsed JSON value: objects as Maps (keys in order, duplicates detectable), numbers as JsonNumber.
 * @internal
 */
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | Map<string, JsonValue>;

/** A valid header is three levels deep (object, tensor entry, shape); anything this deep is not one. */
const MAX_DEPTH = 64;

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * Parses the header's JSON strictly (as serde_json does), keeping objects' key order.
 * @internal
 */
export function parseJson(text: string): JsonValue {
  let i = 0;
  const n = text.length;

  const fail = (what: string): never => {
    throw new HeaderError(`the header is not valid JSON: ${what} at character ${i}`);
  };
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const expect = (c: string): void => {
    if (text[i] !== c) fail(i >= n ? `expected '${c}', found the end` : `expected '${c}', found ${JSON.stringify(text[i])}`);
    i++;
  };

  const string = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail('control character in a string');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(start, i);
      const e = text[i + 1];
      i += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          i -= 2;
          fail('bad escape');
      }
      start = i;
    }
    out += text.slice(start, i);
    i++; // closing quote
    // serde_json refuses \u escapes that leave half of a surrogate pair
    if (!(out as unknown as { isWellFormed(): boolean }).isWellFormed()) fail('a \\u escape leaves an unpaired surrogate');
    return out;
  };

  const value = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    ws();
    if (i >= n) fail('unexpected end');
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = new Map<string, JsonValue>();
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a string key');
        const keyAt = i;
        const key = string();
        if (obj.has(key)) {
          i = keyAt;
          throw new HeaderError(`the header has the key ${JSON.stringify(key)} twice (at character ${keyAt})`);
        }
        ws();
        expect(':');
        obj.set(key, value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect('}');
        return obj;
      }
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect(']');
        return arr;
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', i)) return (i += 4), true;
    if (text.startsWith('false', i)) return (i += 5), false;
    if (text.startsWith('null', i)) return (i += 4), null;
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) fail(`unexpected ${JSON.stringify(c)}`);
    i += m![0].length;
    return new JsonNumber(m![0]);
  };

  const result = value(0);
  ws(); // the Python writer pads the header with spaces
  if (i < n) fail(`unexpected ${JSON.stringify(text[i])} after the JSON value`);
  return result;
}

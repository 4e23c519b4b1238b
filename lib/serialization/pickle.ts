// The part of Python's pickle that torch.save produces and consumes: protocol 2 as written by
// torch.save, plus the other opcodes of protocols 0-4 that need no class instances (so files
// re-pickled with a newer protocol still load). Python objects stay in a neutral form here
// (dicts are Maps, tuples and lists are arrays); torch-specific meaning lives in index.ts,
// which supplies the globals and the persistent-id (storage) handler.

/**
 * A malformed pickle or one that needs something unsupported; load() adds the path.
 * @internal
 */
export class PickleError extends Error {}

/**
 * What a GLOBAL opcode resolved to: something REDUCE can call, or a plain value (a dtype...).
 * @internal
 */
export interface PyCallable {
  readonly qualname: string;
  call(args: unknown[]): unknown;
  /** BUILD on an object this callable made; absent means BUILD's state is ignored. */
  build?(obj: unknown, state: unknown): unknown;
}

/**
 * What unpickle() asks its caller for: globals, persistent ids, and limits.
 * @internal
 */
export interface UnpickleHooks {
  findGlobal(module: string, name: string): unknown;
  persistentLoad(pid: unknown): unknown;
  /**
   * Receives every object pushed a second time (from the memo, or by DUP): only these can be
   * shared or cyclic, so a converter needs to track identity for them alone.
   */
  shared?: Set<object>;
  /**
   * Called for every object the unpickler creates (containers, MARK frames, REDUCE results):
   * strings and bytes are bounded by the pickle's own size, but one-byte opcodes can each make
   * an object, which costs far more memory than the byte.
   */
  onObject?: () => void;
  /** Decodes a Python 2 string (BINSTRING, SHORT_BINSTRING); latin-1 text when absent. */
  decodeStr?: (bytes: Uint8Array) => unknown;
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Runs the pickle program in data (no code execution: only the globals hooks allow).
 * @internal
 */
export function unpickle(data: Uint8Array, hooks: UnpickleHooks): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();
  // What REDUCE made each object with, so a later BUILD (setstate) reaches the right handler.
  const makers = new WeakMap<object, PyCallable>();

  const need = (n: number): void => {
    if (pos + n > data.length) throw new PickleError(`pickle data is truncated (needed ${n} bytes at offset ${pos})`);
  };
  const u8 = (): number => (need(1), data[pos++]);
  const u16 = (): number => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = (): number => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = (): number => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError('pickle length field too large');
    return Number(v);
  };
  const bytes = (n: number): Uint8Array => {
    if (n < 0) throw new PickleError(`negative length ${n} at offset ${pos}`);
    need(n);
    pos += n;
    return data.subarray(pos - n, pos);
  };
  const utf8 = (n: number): string => {
    try {
      return textDecoder.decode(bytes(n));
    } catch {
      throw new PickleError(`invalid UTF-8 string at offset ${pos - n}`);
    }
  };
  const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  const py2str = hooks.decodeStr ?? latin1;
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError('pickle data is truncated (unterminated line)');
    const s = latin1(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) throw new PickleError(`pickle stack underflow at offset ${pos - 1}`);
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) throw new PickleError(`pickle stack underflow at offset ${pos - 1}`);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) throw new PickleError(`pickle MARK missing at offset ${pos - 1}`);
    stack = prev;
    return items;
  };
  const onObject = hooks.onObject;
  const made = <T>(x: T): T => {
    if (onObject) onObject();
    return x;
  };
  const reused = (v: unknown): unknown => {
    if (hooks.shared && v !== null && typeof v === 'object') hooks.shared.add(v);
    return v;
  };
  const getMemo = (i: number): unknown => {
    if (!memo.has(i)) throw new PickleError(`pickle memo key ${i} is not defined`);
    return reused(memo.get(i));
  };
  const asMap = (v: unknown): Map<unknown, unknown> => {
    if (!(v instanceof Map)) throw new PickleError(`SETITEM(S) on a ${describePy(v)}, expected a dict`);
    return v;
  };
  const asList = (v: unknown): unknown[] => {
    if (!Array.isArray(v)) throw new PickleError(`APPEND(S) on a ${describePy(v)}, expected a list`);
    return v;
  };
  const asCallable = (v: unknown): PyCallable => {
    if (!isCallable(v)) throw new PickleError(`REDUCE on a ${describePy(v)}, which is not callable`);
    return v;
  };
  const global = (module: string, name: string): void => {
    stack.push(hooks.findGlobal(module, name));
  };

  for (;;) {
    const opAt = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new PickleError('unsupported pickle protocol');
        break;
      case 0x95: // FRAME: framing is only a read-ahead hint
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || metastack.length !== 0) throw new PickleError('malformed pickle: unbalanced stack at STOP');
        return stack[0];
      case 0x28: // MARK
        metastack.push(stack);
        stack = made([]);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(reused(top()));
        break;
      // ---- scalars
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(decodeLong(bytes(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(decodeLong(bytes(u32())));
        break;
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x49: { // INT (protocol 0; I01/I00 are booleans)
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : parseIntText(s));
        break;
      }
      case 0x4c: // LONG (protocol 0)
        stack.push(parseIntText(line().replace(/L$/, '')));
        break;
      case 0x46: // FLOAT (protocol 0)
        stack.push(Number.parseFloat(line()));
        break;
      // ---- strings and bytes
      case 0x58: // BINUNICODE
        stack.push(utf8(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8(u64()));
        break;
      case 0x54: // BINSTRING (Python 2 str: bytes, decoded as torch.load's encoding says)
        stack.push(py2str(bytes(i32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(py2str(bytes(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(bytes(u64()).slice());
        break;
      case 0x56: // UNICODE (protocol 0, raw-unicode-escape)
        stack.push(line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16))));
        break;
      // ---- containers
      case 0x7d: // EMPTY_DICT
        stack.push(made(new Map()));
        break;
      case 0x64: { // DICT
        const items = popMark();
        const m = made(new Map());
        for (let i = 0; i + 1 < items.length; i += 2) m.set(items[i], items[i + 1]);
        stack.push(m);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        asMap(top()).set(k, v);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        const m = asMap(top());
        for (let i = 0; i + 1 < items.length; i += 2) m.set(items[i], items[i + 1]);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push(made([]));
        break;
      case 0x6c: // LIST
      case 0x74: { // TUPLE
        const items = popMark(); // before reading `stack`: popMark replaces it
        stack.push(items);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        asList(top()).push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const list = asList(top());
        for (const x of items) list.push(x); // not push(...items): a spread of 10^5+ items overflows the stack
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(made([]));
        break;
      case 0x85: // TUPLE1
        stack.push(made([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push(made([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(made([pop(), b, c]));
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(made(new Set()));
        break;
      case 0x90: { // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) throw new PickleError('ADDITEMS on a non-set');
        for (const x of items) s.add(x);
        break;
      }
      case 0x91: { // FROZENSET
        const items = popMark(); // before reading `stack`: popMark replaces it
        stack.push(made(new Set(items)));
        break;
      }
      // ---- memo
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x70: // PUT
        memo.set(parseIntText(line()) as number, top());
        break;
      case 0x68: // BINGET
        stack.push(getMemo(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(getMemo(u32()));
        break;
      case 0x67: // GET
        stack.push(getMemo(parseIntText(line()) as number));
        break;
      // ---- objects
      case 0x63: { // GLOBAL
        const module = line();
        global(module, line());
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError('STACK_GLOBAL needs two strings');
        global(module, name);
        break;
      }
      case 0x52: // REDUCE
      case 0x81: { // NEWOBJ (cls.__new__(cls, *args); the same for the classes we accept)
        const args = pop();
        const fn = asCallable(pop());
        if (!Array.isArray(args)) throw new PickleError(`${fn.qualname}: arguments are not a tuple`);
        const result = made(fn.call(args));
        if (result !== null && typeof result === 'object') makers.set(result, fn);
        stack.push(result);
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = pop();
        const maker = obj !== null && typeof obj === 'object' ? makers.get(obj) : undefined;
        if (!maker) throw new PickleError(`BUILD on a ${describePy(obj)} that no supported global made`);
        stack.push(maker.build ? maker.build(obj, state) : obj);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop()));
        break;
      case 0x50: // PERSID
        stack.push(hooks.persistentLoad(line()));
        break;
      default: {
        const name = REFUSED_OPCODES[op];
        if (name) throw new PickleError(`pickle opcode ${name} (0x${op.toString(16)}) at offset ${opAt} is refused: ${REFUSED_WHY[name] ?? 'torch.save never writes it'}`);
        throw new PickleError(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at offset ${opAt}`);
      }
    }
  }
}

/**
 * Whether a value is a callable that unpickle can call (a PyCallable).
 * @internal
 */
export function isCallable(v: unknown): v is PyCallable {
  return v !== null && typeof v === 'object' && typeof (v as PyCallable).call === 'function' && typeof (v as PyCallable).qualname === 'string';
}

/** Opcodes of the full pickle protocol that this unpickler refuses, by name, for the error message. */
const REFUSED_OPCODES: Record<number, string> = {
  0x69: 'INST', 0x6f: 'OBJ', 0x92: 'NEWOBJ_EX', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
  0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};
const REFUSED_WHY: Record<string, string> = {
  INST: 'it imports and calls a class named in the file', OBJ: 'it calls a class named in the file',
  NEWOBJ_EX: 'it calls a class with keyword arguments', EXT1: 'it looks up a global in the copyreg registry',
  EXT2: 'it looks up a global in the copyreg registry', EXT4: 'it looks up a global in the copyreg registry',
};

/**
 * LONG1/LONG4 payload: little-endian two's complement. Safe integers become numbers. Decoded
 * through one hexadecimal string, which V8 parses in linear time (shifting a BigInt byte by byte
 * is quadratic: a 256 KiB integer took over a minute).
 * @internal
 */
export function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  const bigEndian = Buffer.from(b).reverse();
  let v = BigInt(`0x${bigEndian.toString('hex')}`);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * As Python 3.11's default sys.get_int_max_str_digits(): decimal parsing is quadratic beyond it.
 * @internal
 */
export const MAX_INT_DIGITS = 4300;

function parseIntText(s: string): number | bigint {
  if (!/^[+-]?\d+$/.test(s.trim())) throw new PickleError(`invalid integer literal '${s.length > 40 ? `${s.slice(0, 40)}...` : s}' in pickle`);
  if (s.trim().replace(/^[+-]/, '').length > MAX_INT_DIGITS) {
    throw new PickleError(`an integer literal in the pickle has more than ${MAX_INT_DIGITS} digits (Python refuses these too)`);
  }
  const v = BigInt(s.trim());
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * A Python-style description of an unpickled value's type, for error messages.
 * @internal
 */
export function describePy(v: unknown): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'list/tuple';
  if (v instanceof Map) return 'dict';
  if (isCallable(v)) return `global ${v.qualname}`;
  return typeof v;
}

// ---- writing ------------------------------------------------------------------------------------

/**
 * Appends pickle opcodes (protocol 2) to a growing buffer.
 * @internal
 */
export class PickleWriter {
  private buf = Buffer.alloc(1024);
  private len = 0;
  private memoCount = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  private raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  proto(): void {
    this.byte(0x80);
    this.byte(2);
  }
  stop(): Buffer {
    this.byte(0x2e);
    return this.buf.subarray(0, this.len);
  }
  mark(): void {
    this.byte(0x28);
  }
  none(): void {
    this.byte(0x4e);
  }
  bool(v: boolean): void {
    this.byte(v ? 0x88 : 0x89);
  }
  int(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v < 0x100) {
      this.byte(0x4b);
      this.byte(v);
    } else if (typeof v === 'number' && v >= 0 && v < 0x10000) {
      this.byte(0x4d);
      this.ensure(2);
      this.buf.writeUInt16LE(v, this.len);
      this.len += 2;
    } else if (typeof v === 'number' && v >= -0x80000000 && v <= 0x7fffffff) {
      this.byte(0x4a);
      this.ensure(4);
      this.buf.writeInt32LE(v, this.len);
      this.len += 4;
    } else {
      const b = encodeLong(BigInt(v));
      this.byte(0x8a);
      this.byte(b.length);
      this.raw(b);
    }
  }
  float(v: number): void {
    this.byte(0x47);
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.len);
    this.len += 8;
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.byte(0x58);
    this.ensure(4);
    this.buf.writeUInt32LE(b.length, this.len);
    this.len += 4;
    this.raw(b);
  }
  global(module: string, name: string): void {
    this.byte(0x63);
    this.raw(Buffer.from(`${module}\n${name}\n`, 'utf8'));
  }
  emptyDict(): void {
    this.byte(0x7d);
  }
  setitems(): void {
    this.byte(0x75);
  }
  emptyList(): void {
    this.byte(0x5d);
  }
  appends(): void {
    this.byte(0x65);
  }
  tuple1(): void {
    this.byte(0x85);
  }
  tuple2(): void {
    this.byte(0x86);
  }
  emptyTuple(): void {
    this.byte(0x29);
  }
  tuple(): void {
    this.byte(0x74);
  }
  reduce(): void {
    this.byte(0x52);
  }
  binpersid(): void {
    this.byte(0x51);
  }
  /** Memoizes the top of the stack; returns its memo index for get(). */
  put(): number {
    const i = this.memoCount++;
    if (i < 0x100) {
      this.byte(0x71);
      this.byte(i);
    } else {
      this.byte(0x72);
      this.ensure(4);
      this.buf.writeUInt32LE(i, this.len);
      this.len += 4;
    }
    return i;
  }
  get(i: number): void {
    if (i < 0x100) {
      this.byte(0x68);
      this.byte(i);
    } else {
      this.byte(0x6a);
      this.ensure(4);
      this.buf.writeUInt32LE(i, this.len);
      this.len += 4;
    }
  }
}

/**
 * Minimal little-endian two's complement, as Python's encode_long writes for LONG1.
 * @internal
 */
export function encodeLong(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0);
  const out: number[] = [];
  let x = v;
  for (;;) {
    out.push(Number(x & 0xffn));
    x >>= 8n; // arithmetic shift: stays -1 for negatives
    const signBit = (out[out.length - 1] & 0x80) !== 0;
    if ((x === 0n && !signBit) || (x === -1n && signBit)) break;
  }
  return Uint8Array.from(out);
}

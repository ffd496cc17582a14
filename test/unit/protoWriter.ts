// A minimal protobuf wire writer for tests: hand-built messages with fields the SDK never emits
// (kvlist, bytes, huge int64s, unknown fields, deprecated numbers) and deliberately broken ones.

export type Bytes = number[];

export function varint(v: bigint | number): Bytes {
  let n = BigInt.asUintN(64, BigInt(v));
  const out: Bytes = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}

export const tag = (no: number, wire: number): Bytes => varint((no << 3) | wire);
export const vint = (no: number, v: bigint | number): Bytes => [...tag(no, 0), ...varint(v)];
export const len = (no: number, payload: Bytes): Bytes => [...tag(no, 2), ...varint(payload.length), ...payload];
export const str = (no: number, s: string): Bytes => len(no, [...Buffer.from(s, 'utf8')]);
export const hex = (no: number, h: string): Bytes => len(no, [...Buffer.from(h, 'hex')]);

export function fixed64(no: number, v: bigint): Bytes {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return [...tag(no, 1), ...b];
}

export function double(no: number, v: number): Bytes {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return [...tag(no, 1), ...b];
}

export function fixed32(no: number, v: number): Bytes {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return [...tag(no, 5), ...b];
}

export const cat = (...parts: Bytes[]): Bytes => parts.flat();
export const bytes = (...parts: Bytes[]): Uint8Array => Uint8Array.from(parts.flat());

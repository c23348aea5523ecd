import fs from 'node:fs';
import { LatheError } from '../../shared/contract/errors.js';
import { GGML_TYPES, LLAMA_FILE_TYPES } from './ggml-types.js';
import { checkLlamaLimits } from './gguf-limits.js';

/**
 * Reads and validates a GGUF header without trusting a single number in it. llama.cpp's own loader assumes a
 * well-formed file; a truncated download or a crafted file can make it read past the end or allocate wildly.
 * So every count, string length, array length and tensor offset is checked against the file size here,
 * before any path is handed to llama.cpp.
 */
export type GgufScalar = number | bigint | boolean | string;
export interface GgufArray { arrayType: number; length: number; values: GgufScalar[] }
export type GgufValue = GgufScalar | GgufArray;

export interface GgufTensorInfo { name: string; dims: number[]; type: string; offset: number; bytes: number }
export interface GgufHeader {
  version: number;
  fileSize: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  dataOffset: number;
}

const MAGIC = 0x46554747; // "GGUF" little-endian
const MAX_KEY_BYTES = 65_536;
const MAX_DIMS = 4;
/** Arrays longer than this are skipped over, not kept (a vocabulary has 100k+ entries). */
const KEEP_ARRAY_VALUES = 64;
const SCALAR_SIZES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;

export function invalidGguf(file: string, why: string): LatheError {
  return new LatheError(
    'INVALID_ARGUMENTS',
    `${file} is not a valid GGUF file: ${why}.`,
    'The file is truncated or damaged, or not a GGUF model. Copy or download it again and compare its sha256 with the source; nothing was imported.',
  );
}

class BoundedReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;
  constructor(private readonly fd: number, readonly size: number, readonly file: string) {}

  remaining(): number {
    return this.size - this.pos;
  }

  bytes(n: number, what: string): Buffer {
    if (n < 0 || n > this.remaining()) throw invalidGguf(this.file, `${what} needs ${n} bytes at offset ${this.pos} but the file ends at ${this.size}`);
    const end = this.pos + n;
    if (this.pos < this.bufStart || end > this.bufStart + this.buf.length) {
      const len = Math.min(Math.max(n, 1 << 20), this.size - this.pos);
      const chunk = Buffer.alloc(len);
      fs.readSync(this.fd, chunk, 0, len, this.pos);
      this.buf = chunk;
      this.bufStart = this.pos;
    }
    const out = this.buf.subarray(this.pos - this.bufStart, end - this.bufStart);
    this.pos = end;
    return out;
  }

  u32(what: string): number { return this.bytes(4, what).readUInt32LE(0); }
  u64(what: string): number {
    const v = this.bytes(8, what).readBigUInt64LE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidGguf(this.file, `${what} is ${v}, far beyond any real file`);
    return Number(v);
  }
  string(what: string, max = Infinity): string {
    const len = this.u64(`${what} length`);
    if (len > max) throw invalidGguf(this.file, `${what} is ${len} bytes long (limit ${max})`);
    return this.bytes(len, what).toString('utf8');
  }
}

function readScalar(r: BoundedReader, file: string, type: number, what: string): GgufScalar {
  if (type === STRING) return r.string(what);
  const size = SCALAR_SIZES[type];
  if (size === undefined) throw invalidGguf(file, `${what} has unknown value type ${type}`);
  return decodeScalar(r.bytes(size, what), type);
}

function decodeScalar(b: Buffer, type: number): GgufScalar {
  switch (type) {
    case 0: return b.readUInt8(0);
    case 1: return b.readInt8(0);
    case 2: return b.readUInt16LE(0);
    case 3: return b.readInt16LE(0);
    case 4: return b.readUInt32LE(0);
    case 5: return b.readInt32LE(0);
    case 6: return b.readFloatLE(0);
    case 7: return b.readUInt8(0) !== 0;
    case 10: return narrow(b.readBigUInt64LE(0));
    case 11: return narrow(b.readBigInt64LE(0));
    default: return b.readDoubleLE(0);
  }
}

function narrow(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}

function readValue(r: BoundedReader, file: string, type: number, what: string, depth: number): GgufValue {
  if (type !== ARRAY) {
    if (type !== STRING && SCALAR_SIZES[type] === undefined) throw invalidGguf(file, `${what} has unknown value type ${type}`);
    return readScalar(r, file, type, what);
  }
  if (depth > 2) throw invalidGguf(file, `${what} nests arrays too deeply`);
  const arrayType = r.u32(`${what} array type`);
  const length = r.u64(`${what} array length`);
  const minElem = arrayType === STRING || arrayType === ARRAY ? 8 : SCALAR_SIZES[arrayType];
  if (minElem === undefined) throw invalidGguf(file, `${what} is an array of unknown type ${arrayType}`);
  if (length * minElem > r.remaining()) throw invalidGguf(file, `${what} claims ${length} elements, more than the ${r.remaining()} bytes left in the file`);
  const values: GgufScalar[] = [];
  if (arrayType !== STRING && arrayType !== ARRAY) {
    const raw = r.bytes(length * minElem, what); // fixed-size elements: one bounds-checked read
    if (length <= KEEP_ARRAY_VALUES) {
      for (let i = 0; i < length; i++) values.push(decodeScalar(raw.subarray(i * minElem), arrayType));
    }
    return { arrayType, length, values };
  }
  for (let i = 0; i < length; i++) {
    const v = readValue(r, file, arrayType, `${what}[${i}]`, depth + 1);
    if (length <= KEEP_ARRAY_VALUES && typeof v !== 'object') values.push(v);
  }
  return { arrayType, length, values };
}

export function readGgufHeader(file: string): GgufHeader {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new LatheError('NOT_FOUND', `Cannot open ${file}: ${(err as Error).message}.`, 'Check the path and that Lathe may read the file.');
  }
  try {
    const size = fs.fstatSync(fd).size;
    const r = new BoundedReader(fd, size, file);
    if (size < 24) throw invalidGguf(file, `it is only ${size} bytes long`);
    if (r.u32('magic') !== MAGIC) throw invalidGguf(file, 'it does not start with the GGUF magic bytes');
    const version = r.u32('version');
    if (version !== 2 && version !== 3) throw invalidGguf(file, `GGUF version ${version} is not supported (2 and 3 are)`);
    const tensorCount = r.u64('tensor count');
    const kvCount = r.u64('metadata count');
    // Smallest possible entries: a kv is key length + 1 byte key + type + 1 byte value; a tensor info is 33 bytes.
    if (kvCount * 14 > r.remaining()) throw invalidGguf(file, `it claims ${kvCount} metadata entries, more than fit in the file`);
    if (tensorCount * 33 > r.remaining()) throw invalidGguf(file, `it claims ${tensorCount} tensors, more than fit in the file`);
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < kvCount; i++) {
      const key = r.string(`metadata key #${i}`, MAX_KEY_BYTES);
      const type = r.u32(`type of ${key}`);
      metadata.set(key, readValue(r, file, type, key, 0));
    }
    const tensors: GgufTensorInfo[] = [];
    const names = new Set<string>();
    for (let i = 0; i < tensorCount; i++) {
      const name = r.string(`tensor #${i} name`, MAX_KEY_BYTES);
      if (names.has(name)) throw invalidGguf(file, `tensor ${name} appears twice`);
      names.add(name);
      const nDims = r.u32(`${name} dimension count`);
      if (nDims < 1 || nDims > MAX_DIMS) throw invalidGguf(file, `tensor ${name} has ${nDims} dimensions (1–${MAX_DIMS} allowed)`);
      const dims: number[] = [];
      let elements = 1;
      for (let d = 0; d < nDims; d++) {
        const n = r.u64(`${name} dimension ${d}`);
        if (n < 1) throw invalidGguf(file, `tensor ${name} has an empty dimension`);
        dims.push(n);
        elements *= n;
        if (elements > size * 64) throw invalidGguf(file, `tensor ${name} claims more elements than the file could hold`);
      }
      const typeId = r.u32(`${name} type`);
      const type = GGML_TYPES[typeId];
      if (!type) throw invalidGguf(file, `tensor ${name} has unknown type ${typeId}`);
      const [typeName, blockSize, blockBytes] = type;
      if (dims[0]! % blockSize !== 0) throw invalidGguf(file, `tensor ${name} row of ${dims[0]} is not a multiple of the ${typeName} block size ${blockSize}`);
      const offset = r.u64(`${name} data offset`);
      tensors.push({ name, dims, type: typeName, offset, bytes: (elements / blockSize) * blockBytes });
    }
    const alignValue = metadata.get('general.alignment');
    const alignment = typeof alignValue === 'number' ? alignValue : 32;
    if (!Number.isInteger(alignment) || alignment < 1 || alignment > 1 << 20 || (alignment & (alignment - 1)) !== 0) {
      throw invalidGguf(file, `general.alignment ${String(alignValue)} is not a power of two`);
    }
    const dataOffset = Math.ceil(r.pos / alignment) * alignment;
    for (const t of tensors) {
      if (t.offset % alignment !== 0) throw invalidGguf(file, `tensor ${t.name} data offset ${t.offset} is not aligned to ${alignment}`);
      if (dataOffset + t.offset + t.bytes > size) {
        throw invalidGguf(file, `tensor ${t.name} data (${t.bytes} bytes at ${dataOffset + t.offset}) runs past the end of the file (${size} bytes) — the file looks truncated`);
      }
    }
    checkLlamaLimits(file, metadata); // values llama.cpp would GGML_ASSERT on (and abort the process)
    return { version, fileSize: size, metadata, tensors, dataOffset };
  } finally {
    fs.closeSync(fd);
  }
}

export interface GgufFacts {
  architecture: string | null;
  name: string | null;
  parameters: number;
  contextLength: number | null;
  chatTemplate: string | null;
  license: string | null;
  quantization: string | null;
  isLora: boolean;
  vocabSize: number | null;
  tokenizerModel: string | null;
  tensorCount: number;
  ggufVersion: number;
}

/** The registry facts a GGUF header carries. */
export function ggufFacts(h: GgufHeader): GgufFacts {
  const str = (k: string) => (typeof h.metadata.get(k) === 'string' ? (h.metadata.get(k) as string) : null);
  const num = (k: string) => (typeof h.metadata.get(k) === 'number' ? (h.metadata.get(k) as number) : null);
  const arch = str('general.architecture');
  const fileType = num('general.file_type');
  const tokens = h.metadata.get('tokenizer.ggml.tokens');
  const isLora = str('general.type') === 'adapter' || str('adapter.type') === 'lora';
  const typeCounts = new Map<string, number>();
  for (const t of h.tensors) typeCounts.set(t.type, (typeCounts.get(t.type) ?? 0) + t.bytes);
  const dominant = [...typeCounts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  return {
    architecture: arch,
    name: str('general.name'),
    parameters: h.tensors.reduce((sum, t) => sum + t.dims.reduce((a, b) => a * b, 1), 0),
    contextLength: arch ? num(`${arch}.context_length`) : null,
    chatTemplate: str('tokenizer.chat_template'),
    license: str('general.license'),
    quantization: fileType !== null ? (LLAMA_FILE_TYPES[fileType] ?? `ftype ${fileType}`) : dominant,
    isLora,
    vocabSize: tokens && typeof tokens === 'object' ? tokens.length : null,
    tokenizerModel: str('tokenizer.ggml.model'),
    tensorCount: h.tensors.length,
    ggufVersion: h.version,
  };
}

import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';

/**
 * Reads a Hugging Face model or PEFT adapter folder without loading weights: config.json, the safetensors
 * headers (for the parameter count), tokenizer files, the chat template and the license. Pickle weights are
 * refused: unpickling runs arbitrary code, which an offline, audited tool cannot allow. So is a folder that carries
 * Python code (auto_map or *.py, see customCodeIn), and only known files (weights, TOKENIZER_FILES, META_FILES) are
 * listed, hashed and copied.
 */
export const PICKLE_EXTENSIONS = ['.bin', '.pt', '.pth', '.ckpt', '.pkl', '.pickle'];

export interface HfFolderFacts {
  kind: 'base' | 'adapter';
  architecture: string | null;
  parameters: number;
  contextLength: number | null;
  chatTemplate: string | null;
  license: string | null;
  tokenizer: string[];
  weights: string[];
  /** Relative paths of every file that belongs to the model (what is hashed and copied). */
  files: string[];
  ignoredPickles: string[];
  adapter: { baseModel: string | null; rank: number | null; alpha: number | null; targetModules: string[] } | null;
  name: string;
}

export function refusePickle(file: string): LatheError {
  return new LatheError(
    'INVALID_ARGUMENTS',
    `${path.basename(file)} is a pickle file (PyTorch .bin/.pt/.pth/.ckpt). Lathe does not load pickles: opening one can run any code hidden inside it.`,
    'Convert the weights to safetensors on a trusted machine (for example `model.save_pretrained(dir, safe_serialization=True)` in transformers, or the safetensors "convert" script), then import the folder with the .safetensors files.',
  );
}

/**
 * Code that comes with a model. A folder can name Python classes in `auto_map` (config.json, tokenizer_config.json,
 * processor configs) and ship the .py files beside them; transformers imports them whenever a caller passes
 * trust_remote_code=True — and llama.cpp's converter does, for several architectures. Lathe never runs such code,
 * so a folder that carries any is refused before anything reads it with Python. (The same rule, and a guard
 * inside every Python process, live in resources/trainer/lathe_trainer/no_remote_code.py.)
 */
export const CUSTOM_CODE_HINT =
  'Use a model whose architecture transformers supports natively (config.json\'s model_type, e.g. llama, qwen2, mistral, gemma, phi3), ' +
  'or review the code and, if the model works without it, delete the auto_map entries and the .py files from the folder, then try again.';

/** Top-level JSON files that are data, never configs with an auto_map (large, and transformers reads none from them). */
const NOT_CONFIG_JSON = (name: string) => name === 'tokenizer.json' || name.endsWith('.index.json');
const MAX_CONFIG_JSON_BYTES = 16 * 1024 * 1024;

/** What in `dir` would make transformers run code from it ("auto_map → a.B in config.json", "x.py"), or null. */
export function customCodeIn(dir: string): string | null {
  let dirents: fs.Dirent[];
  try {
    dirents = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return null; // nothing to read: whoever opens the folder next reports that
  }
  const maps: string[] = [];
  // Every entry, links included: transformers follows a symlinked .py as readily as a file.
  const python = dirents.filter((e) => !e.isDirectory() && e.name.toLowerCase().endsWith('.py')).map((e) => e.name).sort();
  for (const e of dirents) {
    if (e.isDirectory() || !e.name.toLowerCase().endsWith('.json') || NOT_CONFIG_JSON(e.name)) continue;
    const file = path.join(dir, e.name);
    let json: unknown;
    try {
      if (fs.statSync(file).size > MAX_CONFIG_JSON_BYTES) continue;
      json = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      continue; // unreadable JSON is reported by whatever needs the file; it cannot name code either
    }
    const autoMap = json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>).auto_map : undefined;
    if (autoMap === undefined || autoMap === null) continue;
    const refs = [...new Set(classRefs(autoMap))];
    maps.push(`${refs.length ? refs.slice(0, 4).join(', ') + (refs.length > 4 ? ', …' : '') : JSON.stringify(autoMap).slice(0, 80)} in ${e.name}`);
  }
  if (!maps.length && !python.length) return null;
  const parts = [];
  if (maps.length) parts.push(`auto_map → ${maps.sort().join('; ')}`);
  if (python.length) parts.push(`Python file${python.length > 1 ? 's' : ''} ${python.slice(0, 4).join(', ')}${python.length > 4 ? ', …' : ''}`);
  return parts.join('; ');
}

function classRefs(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(classRefs);
  if (value && typeof value === 'object') return Object.values(value).flatMap(classRefs);
  return [];
}

/** Throws when `dir` carries code (see customCodeIn); `outcome` says what did not happen ("Nothing was imported."). */
export function refuseCustomCode(dir: string, outcome: string): void {
  const found = customCodeIn(dir);
  if (!found) return;
  throw new LatheError(
    'INVALID_ARGUMENTS',
    `This model needs custom Python code from its folder (${found}; in ${path.resolve(dir)}). Lathe never runs code that comes with a model: it would run unreviewed, with your permissions. ${outcome}`,
    CUSTOM_CODE_HINT,
  );
}

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer.model', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.json', 'merges.txt', 'added_tokens.json', 'chat_template.jinja', 'chat_template.json'];
const META_FILES = ['config.json', 'generation_config.json', 'adapter_config.json', 'README.md', 'LICENSE', 'LICENSE.txt', 'LICENSE.md', 'model.safetensors.index.json'];

export function inspectHfFolder(dir: string): HfFolderFacts {
  refuseCustomCode(dir, 'Nothing was imported.');
  const entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
  const weights = entries.filter((f) => f.endsWith('.safetensors')).sort();
  const pickles = entries.filter((f) => PICKLE_EXTENSIONS.includes(path.extname(f).toLowerCase()));
  if (!weights.length) {
    if (pickles.length) throw refusePickle(path.join(dir, pickles[0]!));
    throw new LatheError('INVALID_ARGUMENTS', `${dir} holds no .safetensors weights.`, 'Pick the folder that contains config.json and model*.safetensors (or adapter_model.safetensors), or a .gguf file.');
  }
  const isAdapter = entries.includes('adapter_config.json');
  if (!isAdapter && !entries.includes('config.json')) {
    throw new LatheError('INVALID_ARGUMENTS', `${dir} has weights but no config.json.`, 'Import the whole Hugging Face model folder, including config.json and the tokenizer files.');
  }
  let parameters = 0;
  for (const w of weights) parameters += safetensorsParameters(path.join(dir, w));
  const config = isAdapter ? null : readJson(path.join(dir, 'config.json'));
  const adapterConfig = isAdapter ? readJson(path.join(dir, 'adapter_config.json')) : null;
  const tokenizerConfig = entries.includes('tokenizer_config.json') ? readJson(path.join(dir, 'tokenizer_config.json')) : null;
  const files = [...weights, ...entries.filter((f) => TOKENIZER_FILES.includes(f) || META_FILES.includes(f))].sort();
  return {
    kind: isAdapter ? 'adapter' : 'base',
    architecture: config ? (first(config.architectures) ?? str(config.model_type)) : str(adapterConfig?.peft_type),
    parameters,
    contextLength: config ? num(config.max_position_embeddings) ?? num(config.n_positions) ?? num(config.max_sequence_length) : null,
    chatTemplate: entries.includes('chat_template.jinja') ? fs.readFileSync(path.join(dir, 'chat_template.jinja'), 'utf8') : str(tokenizerConfig?.chat_template),
    license: readLicense(dir, entries),
    tokenizer: entries.filter((f) => TOKENIZER_FILES.includes(f)).sort(),
    weights,
    files,
    ignoredPickles: pickles,
    adapter: adapterConfig
      ? {
          baseModel: str(adapterConfig.base_model_name_or_path),
          rank: num(adapterConfig.r),
          alpha: num(adapterConfig.lora_alpha),
          targetModules: Array.isArray(adapterConfig.target_modules) ? adapterConfig.target_modules.map(String) : [],
        }
      : null,
    name: folderModelName(dir, entries.includes('README.md') ? path.join(dir, 'README.md') : null),
  };
}

/** Folder names that say nothing about the model: the name then comes from the model card or the folders above. */
const GENERIC_FOLDER = /^(hf|model|models|merged|weights|base|original|main|final|checkpoint(-\d+)?|export|output|snapshots?|[0-9a-f]{40})$/i;

/**
 * What a model folder is called in the registry: the model card's `model_name` or first heading; the repository of a
 * Hugging Face cache snapshot (`models--org--name/snapshots/<hash>` → "org/name"); else the folder's name, with its
 * parent's when the folder's own says nothing ("hf", "merged", a commit hash).
 */
export function folderModelName(dir: string, readme: string | null): string {
  const card = readme ? cardTitle(readme) : null;
  if (card) return card;
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  const hub = parts.findLast((p) => /^models--.+--.+$/.test(p));
  if (hub) return hub.slice('models--'.length).replace('--', '/');
  const own = parts.at(-1) ?? dir;
  const named = [...parts].reverse().find((p) => !GENERIC_FOLDER.test(p));
  return GENERIC_FOLDER.test(own) && named ? `${named} · ${own}` : own;
}

function cardTitle(readme: string): string | null {
  let text: string;
  try {
    const fd = fs.openSync(readme, 'r');
    try {
      const buf = Buffer.alloc(16 * 1024);
      text = buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  const fromFront = front ? /^model_name:\s*["']?([^"'\r\n]+?)["']?\s*$/m.exec(front[1]!)?.[1] : undefined;
  const heading = /^#\s+(.+?)\s*#*\s*$/m.exec(front ? text.slice(front[0].length) : text)?.[1];
  const title = (fromFront ?? heading ?? '').replace(/[`*_[\]]/g, '').trim();
  return title && title.length <= 120 && !/^(model card|readme)$/i.test(title) ? title : null;
}

/** Element count from a safetensors header (8-byte little-endian length, then JSON), every length checked. */
export function safetensorsParameters(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const bad = (why: string) =>
      new LatheError('INVALID_ARGUMENTS', `${path.basename(file)} is not a valid safetensors file: ${why}.`, 'The file is truncated or damaged; copy it again from its source. Nothing was imported.');
    if (size < 8) throw bad(`it is only ${size} bytes long`);
    const lenBuf = Buffer.alloc(8);
    fs.readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (headerLen < 2 || headerLen > 100 * 1024 * 1024 || 8 + headerLen > size) throw bad(`its header length ${headerLen} does not fit the file`);
    const header = Buffer.alloc(headerLen);
    fs.readSync(fd, header, 0, headerLen, 8);
    let json: Record<string, { shape?: number[]; data_offsets?: [number, number] }>;
    try {
      json = JSON.parse(header.toString('utf8'));
    } catch {
      throw bad('its header is not JSON');
    }
    let count = 0;
    for (const [name, t] of Object.entries(json)) {
      if (name === '__metadata__') continue;
      if (!Array.isArray(t.shape) || !Array.isArray(t.data_offsets)) throw bad(`tensor ${name} has no shape or offsets`);
      if (t.data_offsets[1] + 8 + headerLen > size) throw bad(`tensor ${name} runs past the end of the file — it looks truncated`);
      count += t.shape.reduce((a, b) => a * b, 1);
    }
    return count;
  } finally {
    fs.closeSync(fd);
  }
}

function readLicense(dir: string, entries: string[]): string | null {
  if (entries.includes('README.md')) {
    const head = fs.readFileSync(path.join(dir, 'README.md'), 'utf8').slice(0, 4000);
    const m = /^---\s*\n([\s\S]*?)\n---/m.exec(head);
    const lic = m ? /^license:\s*["']?([^"'\n]+)/m.exec(m[1]!) : null;
    if (lic) return lic[1]!.trim();
  }
  const licenseFile = entries.find((f) => /^LICENSE(\.txt|\.md)?$/i.test(f));
  if (licenseFile) return fs.readFileSync(path.join(dir, licenseFile), 'utf8').split('\n').find((l) => l.trim())?.trim().slice(0, 120) ?? null;
  return null;
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new LatheError('INVALID_ARGUMENTS', `${path.basename(file)} in ${path.dirname(file)} is not valid JSON: ${(err as Error).message}.`, 'Fix or replace the file, then import again.');
  }
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const first = (v: unknown) => (Array.isArray(v) && typeof v[0] === 'string' ? (v[0] as string) : null);

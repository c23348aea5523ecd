import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import type { ModelInspection } from '../../shared/contract/features/models.js';
import { ggufFacts, readGgufHeader } from './gguf-header.js';
import { inspectHfFolder, PICKLE_EXTENSIONS, refusePickle } from './hf-folder.js';
import { expandHome } from '../paths.js';

/** Reads what an import would register, from headers only; refuses pickles and malformed GGUF/safetensors. */
export function inspectModelPath(input: string): ModelInspection {
  const target = path.resolve(expandHome(input));
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new LatheError('NOT_FOUND', `Nothing found at ${target}.`, 'Type the full path of a model folder (with config.json and .safetensors) or of a .gguf file.');
  }
  if (stat.isDirectory()) return inspectFolder(target);
  const ext = path.extname(target).toLowerCase();
  if (PICKLE_EXTENSIONS.includes(ext)) throw refusePickle(target);
  if (ext === '.safetensors') {
    throw new LatheError('INVALID_ARGUMENTS', `${path.basename(target)} is a single weights file.`, 'Import the folder that holds it, together with config.json and the tokenizer files.');
  }
  const header = readGgufHeader(target); // throws a clear error for anything that is not a sound GGUF
  const facts = ggufFacts(header);
  return {
    path: target,
    kind: facts.isLora ? 'gguf-lora' : 'gguf',
    format: 'gguf',
    name: facts.name ?? path.basename(target, path.extname(target)),
    architecture: facts.architecture,
    parameters: facts.parameters,
    contextLength: facts.contextLength,
    quantization: facts.quantization,
    chatTemplate: facts.chatTemplate,
    license: facts.license,
    sizeBytes: stat.size,
    files: [path.basename(target)],
    warnings: [],
    details: { ggufVersion: facts.ggufVersion, tensorCount: facts.tensorCount, vocabSize: facts.vocabSize, tokenizer: facts.tokenizerModel },
  };
}

function inspectFolder(dir: string): ModelInspection {
  const facts = inspectHfFolder(dir);
  const warnings = facts.ignoredPickles.length
    ? [`Ignored pickle file(s) ${facts.ignoredPickles.join(', ')}: only the .safetensors weights are used.`]
    : [];
  if (facts.kind === 'base' && !facts.tokenizer.length) warnings.push('No tokenizer files found: conversion and chat need tokenizer.json or tokenizer.model.');
  if (facts.kind === 'base' && !facts.chatTemplate) warnings.push('No chat template found: chat will fall back to a generic template.');
  const sizeBytes = facts.files.reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
  return {
    path: dir,
    kind: facts.kind,
    format: facts.kind === 'adapter' ? 'peft' : 'hf',
    name: facts.name,
    architecture: facts.architecture,
    parameters: facts.parameters,
    contextLength: facts.contextLength,
    quantization: null,
    chatTemplate: facts.chatTemplate,
    license: facts.license,
    sizeBytes,
    files: facts.files,
    warnings,
    details: { weights: facts.weights, tokenizer: facts.tokenizer, ...(facts.adapter ? { adapter: facts.adapter } : {}) },
  };
}

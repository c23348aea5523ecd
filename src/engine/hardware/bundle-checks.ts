import fs from 'node:fs';
import path from 'node:path';
import type { DoctorCheck } from '../../shared/contract/index.js';
import { toErrorData } from '../../shared/contract/errors.js';
import { prebuiltLlamaTools } from '../models/llama-tools.js';

const GPU_EXTRA = ['bitsandbytes', 'liger-kernel'];

interface BundleFacts {
  version?: string;
  builtAt?: string;
  gitCommit?: string | null;
  sbom?: string[];
}

/**
 * What `lathe doctor` adds inside an installed offline bundle (bin/lathe sets LATHE_BUNDLE_DIR): the bundle's
 * version, where its SBOM is, that the prebuilt llama.cpp tools are there, and whether the GPU extra is installed
 * (its wheels are always in the wheelhouse). Outside a bundle it adds nothing.
 */
export function bundleChecks(env: NodeJS.ProcessEnv, packages: Record<string, string | null> | null, gpuCount: number): DoctorCheck[] {
  const dir = env.LATHE_BUNDLE_DIR;
  if (!dir) return [];
  let facts: BundleFacts;
  try {
    facts = JSON.parse(fs.readFileSync(path.join(dir, 'BUNDLE.json'), 'utf8')) as BundleFacts;
  } catch (err) {
    return [{ id: 'bundle', label: 'Offline bundle', status: 'fail', value: `${dir}: BUNDLE.json unreadable (${(err as Error).message})`, hint: 'Reinstall from the bundle with install.sh.' }];
  }
  const checks: DoctorCheck[] = [{
    id: 'bundle', label: 'Offline bundle', status: 'ok',
    value: `Lathe ${facts.version ?? '?'} built ${facts.builtAt?.slice(0, 10) ?? '?'}${facts.gitCommit ? ` (${facts.gitCommit.slice(0, 10)})` : ''} · ${dir}`, hint: '',
  }];
  const sbom = (facts.sbom ?? []).map((rel) => path.join(dir, rel));
  const missingSbom = sbom.filter((file) => !fs.existsSync(file));
  checks.push(sbom.length && !missingSbom.length
    ? { id: 'sbom', label: 'SBOM (CycloneDX)', status: 'ok', value: sbom.join(', '), hint: '' }
    : { id: 'sbom', label: 'SBOM (CycloneDX)', status: 'warn', value: missingSbom.length ? `missing: ${missingSbom.join(', ')}` : 'none listed', hint: 'Reinstall from the bundle with install.sh.' });
  try {
    const tools = prebuiltLlamaTools(env);
    checks.push(tools
      ? { id: 'llama-tools', label: 'llama.cpp tools', status: 'ok', value: `prebuilt: ${path.basename(tools.quantize)}, ${path.basename(tools.bench)} in ${tools.dir}`, hint: '' }
      : { id: 'llama-tools', label: 'llama.cpp tools', status: 'warn', value: 'LATHE_LLAMA_TOOLS_DIR is not set', hint: 'Start Lathe with the bundle\'s bin/lathe.' });
  } catch (err) {
    const e = toErrorData(err);
    checks.push({ id: 'llama-tools', label: 'llama.cpp tools', status: 'fail', value: e.message, hint: e.hint });
  }
  const wheels = wheelNames(path.join(dir, 'wheelhouse'));
  const inWheelhouse = GPU_EXTRA.filter((name) => wheels.some((w) => w.startsWith(`${name.replace(/-/g, '_')}-`)));
  const installed = GPU_EXTRA.map((name) => (packages?.[name] ? `${name} ${packages[name]}` : null)).filter(Boolean);
  checks.push({
    id: 'gpu-extra', label: 'GPU extra',
    status: installed.length === GPU_EXTRA.length || gpuCount === 0 ? 'ok' : 'warn',
    value: `${installed.length ? `installed: ${installed.join(', ')}` : 'not installed'} · in the wheelhouse: ${inWheelhouse.join(', ') || 'none'}`,
    hint: installed.length === GPU_EXTRA.length ? ''
      : gpuCount ? 'A GPU is present: run install.sh --gpu-extra yes from the bundle (QLoRA needs bitsandbytes).'
      : 'Only needed with an NVIDIA GPU (install.sh --gpu-extra yes adds it).',
  });
  return checks;
}

function wheelNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((f) => f.endsWith('.whl')).map((f) => f.toLowerCase());
  } catch {
    return [];
  }
}

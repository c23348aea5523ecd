/**
 * Public model ids of the OpenAI-compatible endpoint. Registry names hold spaces and '·' ("Zorbia facts · Q8_0"),
 * which clients put in URLs, config files and shell commands, so each model is listed under a slug of its name
 * plus the start of its registry id: lowercase ASCII letters, digits, '.', '_' and '-' only
 * ("zorbia-facts-q8_0-1a2b3c4d"). The suffix keeps two models with the same name apart and keeps each id stable
 * while others are registered or removed. Requests may still name a model the ways earlier versions listed it:
 * its registry id, or its registry name while that name is unique.
 */
export const PUBLIC_MODEL_ID = /^[a-z0-9][a-z0-9._-]*$/;

const SLUG_MAX = 48;
const SUFFIX = 8;

/** The name as lowercase ASCII: accents dropped, every run of other characters one '-', trimmed to start and end on a letter or digit. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._]+/g, '-')
    .replace(/([._-])[._-]+/g, '$1')
    .slice(0, SLUG_MAX)
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return slug || 'model';
}

const compact = (id: string) => id.toLowerCase().replace(/[^a-z0-9]/g, '');

/** One public id per registry model, in the same order; unique even if two ids share their first characters. */
export function publicModelIds(models: ReadonlyArray<{ id: string; name: string }>): string[] {
  const short = models.map((m) => `${slugify(m.name)}-${compact(m.id).slice(0, SUFFIX) || 'x'}`);
  const seen = new Map<string, number>();
  for (const s of short) seen.set(s, (seen.get(s) ?? 0) + 1);
  return models.map((m, i) => (seen.get(short[i]!)! > 1 ? `${slugify(m.name)}-${compact(m.id)}` : short[i]!));
}

/** Finds the model a request names: its public id (any case), its registry id, or its registry name when unique. */
export function findServedModel<T extends { id: string; modelId: string; name: string }>(models: readonly T[], requested: string): T | undefined {
  const lower = requested.toLowerCase();
  const byPublic = models.find((m) => m.id === lower);
  if (byPublic) return byPublic;
  const byRegistryId = models.find((m) => m.modelId === requested);
  if (byRegistryId) return byRegistryId;
  const named = models.filter((m) => m.name === requested);
  return named.length === 1 ? named[0] : undefined;
}

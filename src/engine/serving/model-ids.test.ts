import { describe, expect, it } from 'vitest';
import { findServedModel, publicModelIds, PUBLIC_MODEL_ID, slugify } from './model-ids.js';

describe('public model ids of the OpenAI-compatible endpoint', () => {
  it('slugs registry names to lowercase ASCII letters, digits, ".", "_" and "-"', () => {
    expect(slugify('Zorbia facts · Q8_0')).toBe('zorbia-facts-q8_0');
    expect(slugify('Café Llama 3.2 (1B) — instruct')).toBe('cafe-llama-3.2-1b-instruct');
    expect(slugify('..--__ leading and trailing !!')).toBe('leading-and-trailing');
    expect(slugify('···')).toBe('model');
    expect(slugify('模型')).toBe('model');
    expect(slugify('x'.repeat(200))).toHaveLength(48);
  });

  it('adds the start of the registry id, so equal names stay apart and ids stay put', () => {
    const models = [
      { id: '1a2b3c4d-0000-4000-8000-000000000001', name: 'Zorbia facts · Q8_0' },
      { id: '9f8e7d6c-0000-4000-8000-000000000002', name: 'Zorbia facts · Q8_0' },
      { id: 'AB12CD34-0000-4000-8000-000000000003', name: 'tiny base' },
    ];
    const ids = publicModelIds(models);
    expect(ids).toEqual(['zorbia-facts-q8_0-1a2b3c4d', 'zorbia-facts-q8_0-9f8e7d6c', 'tiny-base-ab12cd34']);
    for (const id of ids) expect(id).toMatch(PUBLIC_MODEL_ID);
    expect(publicModelIds(models.slice(1))).toEqual(ids.slice(1));
    // Two ids that share their first 8 characters under one name: the whole id keeps them apart.
    const clash = publicModelIds([{ id: '1a2b3c4d-aaaa', name: 'm' }, { id: '1a2b3c4d-bbbb', name: 'm' }]);
    expect(clash).toEqual(['m-1a2b3c4daaaa', 'm-1a2b3c4dbbbb']);
  });

  it('finds a model by public id (any case), registry id, or a unique registry name', () => {
    const served = [
      { id: 'zorbia-facts-q8_0-1a2b3c4d', modelId: '1a2b3c4d-x', name: 'Zorbia facts · Q8_0' },
      { id: 'zorbia-facts-q8_0-9f8e7d6c', modelId: '9f8e7d6c-y', name: 'Zorbia facts · Q8_0' },
      { id: 'tiny-ab12cd34', modelId: 'ab12cd34-z', name: 'tiny' },
    ];
    expect(findServedModel(served, 'zorbia-facts-q8_0-9f8e7d6c')?.modelId).toBe('9f8e7d6c-y');
    expect(findServedModel(served, 'Zorbia-Facts-Q8_0-1A2B3C4D')?.modelId).toBe('1a2b3c4d-x');
    expect(findServedModel(served, '1a2b3c4d-x')?.id).toBe('zorbia-facts-q8_0-1a2b3c4d');
    expect(findServedModel(served, 'tiny')?.modelId).toBe('ab12cd34-z');
    expect(findServedModel(served, 'Zorbia facts · Q8_0')).toBeUndefined();
    expect(findServedModel(served, 'nope')).toBeUndefined();
  });
});

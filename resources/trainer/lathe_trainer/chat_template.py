"""A conversation -> the token ids the base model's own chat template gives, and which of them are trained.

The ids are exactly `tokenizer.apply_chat_template(messages, tokenize=True)`: the rendered text is tokenised
without the tokenizer's own special tokens, so a template that writes BOS itself (Llama 3, Mistral, Gemma)
does not get a second one. Only a tokenizer that adds BOS to a template that does not write it (a plain
ChatML template on a Llama-style tokenizer) gets it prepended once, as llama.cpp does at inference.

What is trained: each assistant turn's content and the end-of-turn token that closes it (<|eot_id|>,
<|im_end|>, </s>, <end_of_turn>, <|end|> ...), never the generation header before it nor what the template
writes after it (a newline, Phi-3's trailing <|endoftext|>). Found, in this order of preference:

1. the template's own `{% generation %}` markers (`return_assistant_tokens_mask`), when it has them;
2. otherwise by rendering the same conversation with each assistant content replaced by a unique marker:
   the text around the markers is the template's, and the real rendering must be that text with the
   contents put back (verbatim or trimmed, as Llama 3, Mistral and Gemma templates trim). This holds
   however the template moves the system message around or what it appends at the end (Mistral v0.3,
   Phi-3's trailing EOS), and the end-of-turn token must follow each reply;
3. for a template that rewrites the reply (Qwen3 splitting "<think>...</think>" off the content): each
   turn is what follows its own generation prompt through the next special token, provided every such
   prompt is a prefix of the full rendering.

Anything else fails loudly, before training, with `chat_template_unmaskable`.

Tools and tool calls (issue 17): `tools` goes to the template as `apply_chat_template(tools=...)` and tool calls as
transformers expects them (`arguments` parsed from its JSON string to an object). A turn that calls tools, or carries
`reasoning`, is located as in (3), through the family's end-of-turn token (found by rendering a plain reply), so the
call the template writes is trained; tool results (`role: tool`) never are. A template that renders neither the
tools nor the calls it is given is refused (`chat_template_unsupported`) rather than trained without them.
An assistant message with `"weight": 0` stays in the conversation but none of its tokens is trained.

Templates without a system role (Gemma 2 raises on one) get the system message merged into the first user
turn the way Gemma documents it ("system\\n\\nuser"); templates that leave the system message out of a
conversation that ends with an assistant turn (Mistral v0.3 shows it only with the last user turn) get it
merged into the last user turn, as the template itself renders it at inference. Both are reported as notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .protocol import LatheError

IGNORE_INDEX = -100

_GENERATION_TAG = re.compile(r"\{%-?\s*generation\s*-?%\}")
_MARK = "\ue000lathe-assistant-{}\ue001"  # private-use characters: no template trims or matches them

NOTE_SYSTEM_MERGED_FIRST = "system message merged into the first user turn (the chat template has no system role)"
NOTE_SYSTEM_MERGED_LAST = ("system message merged into the last user turn (the chat template shows it only there, "
                           "as it does when prompting)")
NOTE_SYSTEM_LEFT_OUT = "system message left out: the chat template does not render it in this conversation"


@dataclass(frozen=True)
class ChatEncoding:
    input_ids: list[int]
    labels: list[int]                  # IGNORE_INDEX where a token is not trained
    notes: tuple[str, ...] = field(default=())


def _template_text(tokenizer) -> str:
    template = getattr(tokenizer, "chat_template", None)
    if isinstance(template, dict):
        template = template.get("default") or next(iter(template.values()), None)
    if not template:
        raise LatheError("chat_template_missing", "The base model's tokenizer has no chat template, so conversations "
                         "cannot be rendered the way the model will be prompted.",
                         "Pick an instruct/chat base model (its tokenizer_config.json or chat_template.jinja holds the "
                         "template), or train on {\"text\": ...} rows with the cpt objective.")
    return template


def has_generation_markers(tokenizer) -> bool:
    return bool(_GENERATION_TAG.search(_template_text(tokenizer)))


def _render(tokenizer, messages: list[dict], add_generation_prompt: bool = False, tools: list | None = None) -> str:
    from jinja2.exceptions import TemplateError

    _template_text(tokenizer)
    try:
        return tokenizer.apply_chat_template(messages, tools=tools or None, tokenize=False,
                                             add_generation_prompt=add_generation_prompt)
    except TemplateError as exc:
        raise _rejected(str(exc)) from exc


def _rejected(reason: str) -> LatheError:
    return LatheError("chat_template_rejected", f"The base model's chat template refused a conversation: {reason}",
                      "Make the example fit the template's rule quoted above (most chat templates want an optional "
                      "system message, then turns that alternate user, assistant, user, ...).")


def _merge(system: str, user: str) -> str:
    return f"{system}\n\n{user}"


def template_messages(messages: list[dict]) -> list[dict]:
    """The messages as chat templates expect them: Lathe's own keys (`weight`) dropped, null content as "", tool
    calls with their `arguments` as an object (the OpenAI format's JSON string is parsed; Llama 3.1 and Qwen 2.5 write
    it with `tojson`, which would quote a string twice), and `reasoning` as is (transformers passes it on as
    `reasoning_content` and `thinking`)."""
    import json

    out = []
    for m in messages:
        m = {k: v for k, v in m.items() if k != "weight"}
        if m.get("content") is None:  # an OpenAI tool-call message's null content: templates expect a string
            m["content"] = ""
        if m.get("tool_calls"):
            calls = []
            for call in m["tool_calls"]:
                function = dict(call["function"])
                if isinstance(function.get("arguments"), str):
                    try:
                        function["arguments"] = json.loads(function["arguments"]) if function["arguments"].strip() else {}
                    except ValueError as exc:
                        raise LatheError("data_invalid", f"The arguments of the tool call to {function.get('name')!r} "
                                         f"are not JSON ({exc}).", "Write `arguments` as a JSON object, or a string holding "
                                         "one as the OpenAI format does.") from exc
                calls.append({**call, "type": call.get("type", "function"), "function": function})
            m["tool_calls"] = calls
        out.append(m)
    return out


def prepare(tokenizer, messages: list[dict], tools: list | None = None) -> tuple[list[dict], str, tuple[str, ...]]:
    """The messages as they will be rendered, their rendering, and notes on what had to change."""
    _template_text(tokenizer)
    if not messages:
        raise LatheError("data_invalid", "A conversation has an empty `messages` list.",
                         "Remove that example or give it a user and an assistant turn.")
    messages = template_messages(messages)
    system = messages[0] if messages and messages[0].get("role") == "system" else None
    try:
        text = _render(tokenizer, messages, tools=tools)
    except LatheError:
        # Gemma: "System role not supported". Merge it into the first user turn the way Gemma documents it.
        if system is None or len(messages) < 2 or messages[1].get("role") != "user":
            raise
        merged = [{**messages[1], "content": _merge(system["content"], messages[1]["content"])}] + messages[2:]
        return merged, _render(tokenizer, merged, tools=tools), (NOTE_SYSTEM_MERGED_FIRST,)
    if system is None or not system["content"].strip() or system["content"].strip() in text:
        return messages, text, ()
    # The template rendered the conversation without its system message (Mistral v0.3 writes it into the user
    # turn only when that turn is the last message). Train on what the template shows when prompting for the
    # final answer: the system text in the last user turn before it - verified against the template itself.
    last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=None)
    users = [i for i, m in enumerate(messages[:last] if last is not None else []) if m["role"] == "user"]
    if users:
        merged = [{**m, "content": _merge(system["content"], m["content"])} if i == users[-1] else m
                  for i, m in enumerate(messages) if i != 0]
        try:
            prompt = _render(tokenizer, messages[:last], add_generation_prompt=True, tools=tools)
            merged_text = _render(tokenizer, merged, tools=tools)
        except LatheError:
            prompt = merged_text = None
        if prompt is not None and system["content"].strip() in prompt and merged_text.startswith(prompt):
            return merged, merged_text, (NOTE_SYSTEM_MERGED_LAST,)
    return messages, text, (NOTE_SYSTEM_LEFT_OUT,)


def _control_tokens(tokenizer) -> list[str]:
    tokens = {t.content if hasattr(t, "content") else str(t) for t in tokenizer.added_tokens_decoder.values()}
    tokens.update(getattr(tokenizer, "all_special_tokens", []) or [])
    return sorted((t for t in tokens if t), key=len, reverse=True)


def _cannot_mask(problem: str) -> LatheError:
    return LatheError("chat_template_unmaskable",
                      f"Lathe cannot tell which tokens of a conversation the assistant wrote: {problem}",
                      "Mark the assistant's reply in the chat template with {% generation %}...{% endgeneration %} "
                      "(Lathe then trains on exactly the marked tokens), or use a template that writes each assistant "
                      "message as it is and closes it with an end-of-turn token.")


def assistant_char_spans(tokenizer, messages: list[dict], text: str, tools: list | None = None) -> list[tuple[int, int]]:
    """[start, end) in `text` of each assistant turn's content and the end-of-turn token that closes it."""
    turns = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    if not turns:
        return []
    if any(messages[i].get("tool_calls") or messages[i].get("reasoning") for i in turns):
        # The template writes these turns around their content (calls after it, reasoning before it): what follows
        # each turn's generation prompt, through its end of turn, is what the model writes.
        return _spans_by_prompts(tokenizer, messages, text, turns, tools)
    try:
        return _spans_by_marking(tokenizer, messages, text, turns, tools)
    except LatheError as marked:
        try:  # a template that rewrites the reply (e.g. Qwen3 splitting off <think> reasoning): what follows the prompt
            return _spans_by_prompts(tokenizer, messages, text, turns, tools)
        except LatheError:
            raise marked from None


def end_of_turn(tokenizer) -> str | None:
    """The control token the template closes a plain assistant reply with (<|im_end|>, <|eot_id|>, </s> ...), found
    by rendering one with a marker as its content; None when that cannot be told."""
    mark = _MARK.format(0)
    try:
        text = _render(tokenizer, [{"role": "user", "content": "Hi."}, {"role": "assistant", "content": mark}])
    except LatheError:
        return None
    after = text[text.find(mark) + len(mark):] if mark in text else ""
    gap = len(after) - len(after.lstrip(" \t\r\n"))
    return next((t for t in _control_tokens(tokenizer) if after.startswith(t, gap)), None)


def _spans_by_prompts(tokenizer, messages: list[dict], text: str, turns: list[int],
                      tools: list | None = None) -> list[tuple[int, int]]:
    """Each assistant turn as what the full rendering has after that turn's generation prompt, through the end of
    turn (the family's end-of-turn token, else the first special token) - when every such prompt is a prefix of
    the full rendering."""
    specials = sorted({t.content for t in tokenizer.added_tokens_decoder.values() if getattr(t, "special", False)},
                      key=len, reverse=True)
    closing_tokens = [eot] if (eot := end_of_turn(tokenizer)) else specials  # a call may hold specials ([TOOL_CALLS])
    spans, floor = [], 0
    for k, i in enumerate(turns):
        prompt = _render(tokenizer, messages[:i], add_generation_prompt=True, tools=tools) if i else None
        if prompt is None or not text.startswith(prompt) or len(prompt) < floor:
            raise _cannot_mask(f"the prompt for assistant turn {k + 1} is not how the conversation starts.")
        hits = [(at, t) for t in closing_tokens if (at := text.find(t, len(prompt))) >= 0]
        if not hits:
            raise _cannot_mask(f"no end-of-turn token follows assistant turn {k + 1}.")
        at, closing = min(hits)
        spans.append((len(prompt), at + len(closing)))
        floor = at + len(closing)
    return spans


def _spans_by_marking(tokenizer, messages: list[dict], text: str, turns: list[int],
                      tools: list | None = None) -> list[tuple[int, int]]:
    """Each assistant turn located by rendering the conversation with its content replaced by a marker."""
    marks = [_MARK.format(k) for k in range(len(turns))]
    probe = [{**m, "content": marks[turns.index(i)]} if i in turns else m for i, m in enumerate(messages)]
    skeleton = _render(tokenizer, probe, tools=tools)
    pieces, at = [], 0
    for k, mark in enumerate(marks):
        found = skeleton.find(mark, at)
        if found < 0 or skeleton.count(mark) != 1:
            raise _cannot_mask(f"the chat template does not write assistant turn {k + 1} exactly once.")
        pieces.append(skeleton[at:found])
        at = found + len(mark)
    pieces.append(skeleton[at:])
    controls = _control_tokens(tokenizer)
    spans, cursor = [], 0
    for k, i in enumerate(turns):
        if not text.startswith(pieces[k], cursor):
            raise _cannot_mask("the chat template renders the rest of the conversation differently depending on "
                               "what the assistant wrote.")
        cursor += len(pieces[k])
        after, content = pieces[k + 1], messages[i]["content"]
        for written in dict.fromkeys((content, content.strip(), content.rstrip(), content.lstrip())):
            if text.startswith(written + after, cursor):
                break
        else:
            raise _cannot_mask(f"the chat template rewrites assistant turn {k + 1} (for example it splits off "
                               "<think> reasoning or changes the text) instead of writing it as it is.")
        start, cursor = cursor, cursor + len(written)
        gap = len(after) - len(after.lstrip(" \t\r\n"))
        closing = next((t for t in controls if after.startswith(t, gap)), None)
        if closing is None:
            shown = after[:24] if after else "nothing"
            raise _cannot_mask(f"the chat template closes assistant turn {k + 1} with {shown!r}, not with an "
                               "end-of-turn token, so the model could not learn to stop.")
        spans.append((start, cursor + gap + len(closing)))
    if text[cursor:] != pieces[-1]:
        raise _cannot_mask("the chat template renders the end of the conversation differently depending on what the "
                           "assistant wrote.")
    return spans


def adds_bos(tokenizer) -> bool:
    """Whether the tokenizer itself puts BOS in front of what it encodes (Llama, Mistral, Gemma; not Qwen)."""
    bos = tokenizer.bos_token_id
    if bos is None:
        return False
    with_special = tokenizer("a", add_special_tokens=True)["input_ids"]
    bare = tokenizer("a", add_special_tokens=False)["input_ids"]
    return bool(with_special) and with_special[0] == bos and bare[:1] != [bos]


def encode_text(tokenizer, text: str) -> list[int]:
    """Plain text with exactly one BOS where the tokenizer uses one (and no EOS: the caller decides)."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if adds_bos(tokenizer) and ids[:1] != [tokenizer.bos_token_id]:
        ids = [tokenizer.bos_token_id] + ids
    return ids


def encode_chat(tokenizer, messages: list[dict], tools: list | None = None) -> ChatEncoding:
    """Token ids (== apply_chat_template(tokenize=True, tools=tools), plus BOS only where the template lacks it and
    the tokenizer adds it) and labels: the ids of the trained tokens, IGNORE_INDEX elsewhere. An assistant message
    with `"weight": 0` is rendered but not trained."""
    weights = [m.get("weight", 1) for m in messages if m.get("role") == "assistant"]  # prepare keeps every assistant turn
    messages, text, notes = prepare(tokenizer, messages, tools)
    _require_tools_rendered(tokenizer, messages, tools, text)
    # BOS once: the tokenizer's, only when the template does not write one itself (a ChatML template on a
    # Llama-style tokenizer), as llama.cpp does when it tokenises a rendered chat.
    writes_bos = bool(tokenizer.bos_token) and text.lstrip().startswith(tokenizer.bos_token)
    bos = tokenizer.bos_token_id if adds_bos(tokenizer) and not writes_bos else None
    if has_generation_markers(tokenizer):
        out = tokenizer.apply_chat_template(messages, tools=tools or None, tokenize=True, return_dict=True,
                                            return_assistant_tokens_mask=True)
        ids, mask = list(out["input_ids"]), list(out["assistant_masks"])
        if any(m["role"] == "assistant" for m in messages) and not any(mask):
            raise _cannot_mask("the chat template's {% generation %} markers enclose no token of the assistant turns.")
        mask = _weighted_runs(mask, weights)
    else:
        spans = assistant_char_spans(tokenizer, messages, text, tools)
        _require_calls_trained(tokenizer, messages, text, spans)
        spans = [span for span, weight in zip(spans, weights) if weight]
        try:
            encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        except NotImplementedError as exc:
            raise LatheError("tokenizer_unsupported", "The base model's tokenizer cannot map tokens to text offsets.",
                             "Use a base model that ships tokenizer.json (a fast tokenizer).") from exc
        ids = list(encoded["input_ids"])
        # A token is trained when it overlaps an assistant span: the first content token may carry the space the
        # template writes before the reply (Mistral's " " + content, sentencepiece's "▁"), which the model writes.
        mask = [int(end > start and any(start < e and end > s for s, e in spans))
                for start, end in encoded["offset_mapping"]]
    if bos is not None and ids[:1] != [bos]:
        ids, mask = [bos] + ids, [0] + mask
    return ChatEncoding(ids, [t if m else IGNORE_INDEX for t, m in zip(ids, mask)], notes)


def encode_prompt(tokenizer, messages: list[dict], tools: list | None = None) -> ChatEncoding:
    """The prompt for the conversation's last assistant turn, as ids that begin exactly as `encode_chat` encodes the
    whole conversation: the same system-message handling (Gemma, Mistral), the same single BOS, the template's
    generation prompt at the end. `labels` is empty (nothing is trained); `messages` must end in an assistant turn."""
    messages, _text, notes = prepare(tokenizer, messages, tools)
    last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=None)
    if not last:
        raise LatheError("data_invalid", "A conversation has no turn before its assistant reply to prompt with.",
                         "Give it a user turn before the assistant turn.")
    text = _render(tokenizer, messages[:last], add_generation_prompt=True, tools=tools)
    ids = list(tokenizer(text, add_special_tokens=False)["input_ids"])
    writes_bos = bool(tokenizer.bos_token) and text.lstrip().startswith(tokenizer.bos_token)
    if adds_bos(tokenizer) and not writes_bos and ids[:1] != [tokenizer.bos_token_id]:
        ids = [tokenizer.bos_token_id] + ids
    return ChatEncoding(ids, [], notes)


def _weighted_runs(mask: list[int], weights: list[int]) -> list[int]:
    """A {% generation %} mask with the turns of weight 0 cleared: its k-th run of marked tokens is turn k."""
    if all(weights):
        return mask
    runs, start = [], None
    for i, m in enumerate(mask + [0]):
        if m and start is None:
            start = i
        elif not m and start is not None:
            runs.append((start, i))
            start = None
    if len(runs) != len(weights):
        raise _cannot_mask("an assistant turn has weight 0, but the chat template's {% generation %} markers do not "
                           "mark each assistant turn as one run of tokens.")
    mask = list(mask)
    for (a, b), weight in zip(runs, weights):
        if not weight:
            mask[a:b] = [0] * (b - a)
    return mask


def _no_tools(tokenizer, what: str) -> LatheError:
    model = str(getattr(tokenizer, "name_or_path", "") or "") or "the base model"
    return LatheError("chat_template_unsupported", f"The chat template of {model} does not render {what}, so the model "
                      "would be trained without them.",
                      "Pick a base model whose chat template supports tool calling (for example a Qwen 2.5 or 3, "
                      "Llama 3.1 or Mistral instruct model), or remove `tools`, `tool_calls` and tool messages from "
                      "the data.")


def _require_tools_rendered(tokenizer, messages: list[dict], tools: list | None, text: str) -> None:
    """Tools, tool calls and tool results must reach the rendered text: a template that ignores them is refused."""
    if tools:
        try:
            bare = _render(tokenizer, messages)
        except LatheError:
            bare = None  # the conversation needs its tools to render at all
        if bare == text:
            raise _no_tools(tokenizer, "the `tools` it is given")
    marks = iter(_MARK.format(f"tool-{k}") for k in range(1 << 30))
    probe, expected = [], []
    for m in messages:
        if m.get("tool_calls"):
            calls = [{**c, "function": {**c["function"], "name": next(marks)}} for c in m["tool_calls"]]
            expected += [c["function"]["name"] for c in calls]
            m = {**m, "tool_calls": calls}
        elif m["role"] == "tool":
            m = {**m, "content": next(marks)}
            expected.append(m["content"])
        probe.append(m)
    if expected:
        rendered = _render(tokenizer, probe, tools=tools)
        if not all(mark in rendered for mark in expected):
            raise _no_tools(tokenizer, "tool calls or tool results")


def _require_calls_trained(tokenizer, messages: list[dict], text: str, spans: list[tuple[int, int]]) -> None:
    """Every tool call an assistant turn makes is inside the span that is trained for that turn."""
    turns = [m for m in messages if m["role"] == "assistant"]
    for k, (m, (start, end)) in enumerate(zip(turns, spans)):
        for call in m.get("tool_calls") or []:
            if call["function"]["name"] not in text[start:end]:
                raise _no_tools(tokenizer, f"the tool call of assistant turn {k + 1} where the reply is")

"""A data recipe: several dataset versions mixed by ratio of training tokens, deterministically for a seed.

Why tokens and not examples: a chat example is a few dozen tokens and a text block is `max_seq_len`, so
"half domain text, half instructions" only means something in tokens (the BloombergGPT-style mix).

One epoch of the mix holds as many tokens as all sources together. Within it, each next example comes from
the source that is furthest behind its share (tokens so far / ratio), so the realised share of every source
stays within one example of its target at every point of the stream, not only at the end. Each source is
read in a seeded permutation and re-shuffled when it runs out (upsampling); a small source with a large
ratio repeats, a large one with a small ratio is sampled. The epoch's order is a pure function of
(seed, epoch), which is all `SampleStream` needs to resume exactly.
"""

from __future__ import annotations

from dataclasses import replace

from ..protocol import LatheError
from .config import RecipeSource
from .data import IGNORE_INDEX, Encoded, encode_cpt, encode_sft, permutation_seed, read_jsonl


def encode_recipe(tokenizer, sources: list[RecipeSource], max_seq_len: int, load=None) -> tuple[list[Encoded], int, list[dict]]:
    """All sources' examples in one list (each tagged with its source), the dropped count, and per-source facts.
    `load(path, objective, source_index)`, when given, returns a source's examples from the token cache
    (token_cache.shared_examples); the result is then one ConcatExamples."""
    if load is not None:
        return _cached_recipe(sources, load)
    examples: list[Encoded] = []
    dropped, facts = 0, []
    for index, source in enumerate(sources):
        if source.kind == "text":
            encoded = encode_cpt(tokenizer, read_jsonl(source.path, "cpt"), max_seq_len)
        else:
            encoded = []
            for chat in read_jsonl(source.path, "sft"):
                example = encode_sft(tokenizer, chat.messages, max_seq_len, chat.tools)
                if any(label != IGNORE_INDEX for label in example.labels):
                    encoded.append(example)
                else:
                    dropped += 1
        if not encoded:
            raise LatheError("data_empty", f"The recipe source {source.path} has no example to learn from.",
                             "Remove it from the recipe or fill it (chat sources need assistant turns).")
        examples.extend(replace(e, source=index) for e in encoded)
        facts.append({"path": source.path, "kind": source.kind, "ratio": source.ratio, "examples": len(encoded),
                      "tokens": sum(len(e.input_ids) for e in encoded)})
    total_ratio = sum(s.ratio for s in sources)
    for fact in facts:
        fact["share"] = round(fact["ratio"] / total_ratio, 6)
    return examples, dropped, facts


def _cached_recipe(sources: list[RecipeSource], load):
    from .token_cache import ConcatExamples

    parts, facts, dropped = [], [], 0
    for index, source in enumerate(sources):
        part = load(source.path, "cpt" if source.kind == "text" else "sft", index)
        dropped += part.meta["dropped"]
        if not len(part):
            raise LatheError("data_empty", f"The recipe source {source.path} has no example to learn from.",
                             "Remove it from the recipe or fill it (chat sources need assistant turns).")
        parts.append(part)
        facts.append({"path": source.path, "kind": source.kind, "ratio": source.ratio, "examples": len(part),
                      "tokens": int(part.lengths.sum())})
    total_ratio = sum(s.ratio for s in sources)
    for fact in facts:
        fact["share"] = round(fact["ratio"] / total_ratio, 6)
    return ConcatExamples(parts), dropped, facts


class MixedEpoch:
    """An epoch order function (see SampleStream) that interleaves the sources by token share."""

    def __init__(self, examples: list[Encoded], shares: dict[int, float], seed: int):
        if hasattr(examples, "sources"):  # token-cache examples: arrays, without reading a token
            self.members = {s: [int(i) for i in (examples.sources == s).nonzero()[0]] for s in sorted(shares)}
            self.lengths = [int(n) for n in examples.lengths]
        else:
            self.members = {s: [i for i, e in enumerate(examples) if e.source == s] for s in sorted(shares)}
            self.lengths = [len(e.input_ids) for e in examples]
        self.budget = sum(self.lengths)  # an epoch of the mix is as long as all the data
        self.shares, self.seed = shares, seed

    def __call__(self, epoch: int) -> list[int]:
        import torch

        def order(source: int, lap: int) -> list[int]:
            generator = torch.Generator().manual_seed(permutation_seed(self.seed, epoch, salt=1 + source * 1_009 + lap))
            pool = self.members[source]
            return [pool[i] for i in torch.randperm(len(pool), generator=generator).tolist()]

        cursor = {s: (0, order(s, 0), 0) for s in self.members}  # (lap, permutation, index)
        emitted = {s: 0 for s in self.members}
        picked, total = [], 0
        while total < self.budget:
            source = min(self.members, key=lambda s: (emitted[s] / self.shares[s], s))
            lap, perm, index = cursor[source]
            if index >= len(perm):
                lap, perm, index = lap + 1, order(source, lap + 1), 0
            example = perm[index]
            cursor[source] = (lap, perm, index + 1)
            picked.append(example)
            emitted[source] += self.lengths[example]
            total += self.lengths[example]
        return picked


def recipe_order(examples: list[Encoded], sources: list[RecipeSource], seed: int) -> MixedEpoch:
    total = sum(s.ratio for s in sources)
    return MixedEpoch(examples, {i: s.ratio / total for i, s in enumerate(sources)}, seed)

"""run.json: read, default and validate before anything heavy loads, so a typo fails in milliseconds.

Every problem becomes a `bad_config` error naming the key and saying what to write instead.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..protocol import EXIT_BAD_ARGUMENTS, LatheError
from ..hashing import sha256_file as _sha256

METHODS = ("lora", "full", "qlora")
OBJECTIVES = ("sft", "cpt", "dpo", "orpo", "simpo", "kto")
PREFERENCE_OBJECTIVES = ("dpo", "orpo", "simpo", "kto")  # preference.py; data lines: README "Preference objectives"
REFERENCES = ("adapter_disabled", "precomputed")  # where DPO's and KTO's reference log-probabilities come from
SCHEDULES = ("cosine", "linear")
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
ATTENTION = ("auto", "sdpa", "eager", "flash_attention_2")  # auto: eager for Gemma 2, else sdpa
RECIPE_KINDS = ("chat", "text")
SHARDING = ("ddp", "fsdp")  # with devices > 1: a full copy per process (DDP) or sharded (torch FSDP2)

# Keys that change what is trained; a checkpoint may only be resumed under the same values.
# The micro-batch is not among them: it only splits a step's samples (an out-of-memory fallback halves it), while
# the effective batch (micro_batch_size * grad_accum, per process) fixes which samples make a step.
RESUME_KEYS = ("base_model", "method", "objective", "data", "recipe", "lora", "max_seq_len", "effective_batch",
               "lr", "schedule", "warmup_steps", "max_steps", "epochs", "seed", "weight_decay", "grad_clip",
               "packing", "precision", "world_size", "sharding", "preference")


@dataclass(frozen=True)
class LoraSettings:
    rank: int = 16
    alpha: float = 32.0
    dropout: float = 0.05
    target_modules: str | list[str] = "all-linear"


@dataclass(frozen=True)
class PreferenceSettings:
    """The preference objectives' knobs, TRL's defaults (DPOConfig, ORPOConfig, CPOConfig for SimPO, KTOConfig)."""
    beta: float = 0.1                 # DPO/KTO: strength of the tie to the reference; ORPO: the odds-ratio weight
                                      # (lambda); SimPO: reward scale (the SimPO paper uses 2-2.5)
    simpo_gamma: float = 0.5          # SimPO's target reward margin
    desirable_weight: float = 1.0     # KTO: weight of the losses of examples labelled true ...
    undesirable_weight: float = 1.0   # ... and of those labelled false
    reference: str | None = None      # DPO/KTO: "adapter_disabled" (LoRA default) | "precomputed" (full default); None
                                      # for ORPO and SimPO, which need no reference


@dataclass(frozen=True)
class RecipeSource:
    """One dataset version in a mix: `ratio` is its share of the training tokens (ratios are normalised)."""
    path: str
    ratio: float
    kind: str  # "chat" (SFT, assistant-only loss) | "text" (continued pre-training blocks)


@dataclass(frozen=True)
class RunConfig:
    base_model: str
    output_dir: str
    train_files: list[str]
    validation_files: list[str]
    method: str = "lora"
    objective: str = "sft"
    lora: LoraSettings = field(default_factory=LoraSettings)
    max_seq_len: int = 1024
    micro_batch_size: int = 4
    grad_accum: int = 1
    lr: float = 2e-4
    schedule: str = "cosine"
    warmup_steps: int = 0
    max_steps: int | None = None
    epochs: float | None = None
    eval_every: int = 0          # 0: only at the end
    eval_at_start: bool = False  # also measure the untouched base model's validation loss (step 0)
    checkpoint_every: int = 0    # 0: only at the end
    keep_checkpoints: int = 3    # keep the newest N (plus the one with the best validation loss); 0: keep all
    seed: int = 0
    device: str = "auto"
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    min_lr_ratio: float = 0.0
    precision: str = "auto"              # auto: bf16 (or fp16) autocast on CUDA, fp32 on CPU
    gradient_checkpointing: bool = False
    attn_implementation: str = "auto"    # auto | sdpa | eager | flash_attention_2; load_config resolves auto (as on CPU)
    attn_requested: str = "auto"         # what run.json asked for: "auto" is resolved again on the device (FA2 on CUDA)
    compile: bool = False                # torch.compile each decoder block (regional compilation)
    packing: bool = False                # padding-free rows of <= max_seq_len, attention per example/document
    recipe: list[RecipeSource] | None = None
    preference: PreferenceSettings | None = None  # set exactly for the preference objectives (dpo, orpo, simpo, kto)
    devices: int | list[int] = 1         # processes (CPU) or GPU count, or a list of GPU indices (torchrun), per node
    nodes: int = 1                       # machines (a Slurm job's nodes), joined by torchrun's c10d rendezvous
    sharding: str = "ddp"                # ddp | fsdp (FSDP2: weights, gradients, optimizer state split over processes)
    heartbeat_seconds: float = 10.0      # 0: no heartbeat lines
    # Test hooks: make step N's loss NaN; stop cleanly after step N as if paused (for resume tests);
    # raise an out-of-memory error in step N once (also LATHE_TRAINER_FAKE_OOM_AT_STEP=N or N:always).
    debug_inject_nan_at_step: int | None = None
    debug_stop_after_step: int | None = None
    debug_fake_oom_at_step: int | None = None

    @property
    def effective_batch(self) -> int:
        return self.micro_batch_size * self.grad_accum

    @property
    def is_preference(self) -> bool:
        return self.objective in PREFERENCE_OBJECTIVES

    @property
    def per_node(self) -> int:
        return self.devices if isinstance(self.devices, int) else len(self.devices)

    @property
    def world_size(self) -> int:
        return self.nodes * self.per_node

    def as_dict(self) -> dict:
        return asdict(self)

    def fingerprint(self) -> str:
        raw = self.as_dict()
        # Data by content, not path: a copy of the same files in another folder resumes fine.
        raw["data"] = {split: [_sha256(path) for path in raw.pop(f"{split}_files")] for split in ("train", "validation")}
        if raw["recipe"]:
            raw["recipe"] = [{**source, "path": _sha256(source["path"])} for source in raw["recipe"]]
        raw["effective_batch"], raw["world_size"] = self.effective_batch, self.world_size
        picked = {key: raw.get(key) for key in RESUME_KEYS}
        return hashlib.sha256(json.dumps(picked, sort_keys=True).encode()).hexdigest()


def _bad(key: str, problem: str, hint: str) -> LatheError:
    return LatheError("bad_config", f"run.json: `{key}` {problem}", hint, exit_code=EXIT_BAD_ARGUMENTS)


def _flag(raw: dict, key: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise _bad(key, f"must be true or false, got {value!r}.", f"Set {key} to true or false.")
    return value


def _int(raw: dict, key: str, default, minimum: int):
    value = raw.get(key, default)
    if value is None and default is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _bad(key, f"must be a whole number >= {minimum}, not {value!r}.", f"Set `{key}` to a number like {max(minimum, 1)}.")
    return value


def _float(raw: dict, key: str, default, minimum: float = 0.0, maximum: float | None = None):
    value = raw.get(key, default)
    if value is None and default is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum or \
            (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise _bad(key, f"must be a number {bound}, not {value!r}.", f"Set `{key}` to a number {bound}.")
    return float(value)


def _choice(raw: dict, key: str, default: str, choices: tuple[str, ...]) -> str:
    value = raw.get(key, default)
    if value not in choices:
        raise _bad(key, f"must be one of {', '.join(choices)}, not {value!r}.", f"Set `{key}` to one of {', '.join(choices)}.")
    return value


def _files(value, key: str, base: Path, required: bool) -> list[str]:
    if value is None and not required:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _bad(key, "must be a list of .jsonl paths.", f"Set `{key}` to a list such as [\"train.jsonl\"].")
    paths = [(base / v).expanduser().resolve() for v in value]
    for path in paths:
        if not path.is_file():
            raise LatheError("data_missing", f"The data file {path} ({key}) does not exist.",
                             "Check the path in run.json; relative paths are resolved from the folder of run.json.")
    return [str(p) for p in paths]


def _lora(raw) -> LoraSettings:
    if raw is None:
        return LoraSettings()
    if not isinstance(raw, dict):
        raise _bad("lora", "must be an object.", "Write `lora` as {\"rank\": 16, \"alpha\": 32}.")
    targets = raw.get("target_modules", "all-linear")
    if not (isinstance(targets, str) or (isinstance(targets, list) and targets and all(isinstance(t, str) for t in targets))):
        raise _bad("lora.target_modules", "must be \"all-linear\" or a list of module names.",
                   "Leave it out for all-linear, or list names such as [\"q_proj\", \"v_proj\"].")
    return LoraSettings(rank=_int(raw, "rank", 16, 1), alpha=_float(raw, "alpha", 32.0),
                        dropout=_float(raw, "dropout", 0.05, 0.0, 0.99), target_modules=targets)


def _preference(raw: dict, objective: str, method: str) -> PreferenceSettings | None:
    block = raw.get("preference")
    if objective not in PREFERENCE_OBJECTIVES:
        if block is not None:
            raise _bad("preference", f"is set, but `objective` is {objective!r}.",
                       "Set `objective` to \"dpo\", \"orpo\", \"simpo\" or \"kto\", or remove `preference`.")
        return None
    block = {} if block is None else block
    if not isinstance(block, dict):
        raise _bad("preference", "must be an object.", "Write it like {\"beta\": 0.1}.")
    known = set(PreferenceSettings.__dataclass_fields__)
    unknown = sorted(set(block) - known)
    if unknown:
        raise _bad(f"preference.{unknown[0]}", "is not a known key.", f"Use only {', '.join(sorted(known))}.")
    # Named in full so an error says `preference.beta`; null means "the default", as when the key is left out.
    named = {f"preference.{key}": value for key, value in block.items() if value is not None}
    beta = _float(named, "preference.beta", 0.1, 0.0)
    if beta <= 0:
        raise _bad("preference.beta", "must be a number > 0.", "Set `preference.beta` to a number such as 0.1.")
    reference = None
    if objective in ("dpo", "kto"):
        default = "precomputed" if method == "full" else "adapter_disabled"
        reference = _choice(named, "preference.reference", default, REFERENCES)
        if reference == "adapter_disabled" and method == "full":
            raise _bad("preference.reference", "cannot be \"adapter_disabled\" with method \"full\": there is no "
                       "adapter to disable, the weights themselves change.",
                       "Set `preference.reference` to \"precomputed\" (or leave it out).")
    return PreferenceSettings(beta=beta, simpo_gamma=_float(named, "preference.simpo_gamma", 0.5),
                              desirable_weight=_float(named, "preference.desirable_weight", 1.0),
                              undesirable_weight=_float(named, "preference.undesirable_weight", 1.0),
                              reference=reference)


def _recipe(raw, base: Path) -> list[RecipeSource] | None:
    if raw is None:
        return None
    example = "[{\"path\": \"domain.jsonl\", \"ratio\": 0.5, \"kind\": \"text\"}, ...]"
    if not isinstance(raw, list) or not raw or not all(isinstance(item, dict) for item in raw):
        raise _bad("recipe", "must be a non-empty list of {path, ratio, kind}.", f"Write it like {example}.")
    sources = []
    for index, item in enumerate(raw):
        key = f"recipe[{index}]"
        unknown = sorted(set(item) - {"path", "ratio", "kind"})
        if unknown:
            raise _bad(f"{key}.{unknown[0]}", "is not a known key.", "Each recipe entry has only path, ratio and kind.")
        if item.get("ratio") is None or _float(item, "ratio", None, 0.0) <= 0:
            raise _bad(f"{key}.ratio", f"must be a number > 0, not {item.get('ratio')!r}.", "Give every source a positive ratio.")
        if item.get("kind") not in RECIPE_KINDS:
            raise _bad(f"{key}.kind", f"must be \"chat\" or \"text\", not {item.get('kind')!r}.",
                       "Use \"chat\" for {\"messages\": [...]} lines and \"text\" for {\"text\": \"...\"} lines.")
        path = _files(item.get("path"), f"{key}.path", base, required=True)
        sources.append(RecipeSource(path=path[0], ratio=float(item["ratio"]), kind=item["kind"]))
    return sources


def _packing(raw: dict, base: Path, objective: str, has_recipe: bool) -> bool:
    """`packing`, default on wherever it is exact: continued pre-training and recipes always (documents are cut
    into blocks anyway); SFT when the base model's attention keeps packed examples apart (`packs_without_padding`),
    which saves the padding a batch of mixed lengths wastes. Preference objectives always pad."""
    if raw.get("packing") is not None:
        return _flag(raw, "packing")
    if objective in PREFERENCE_OBJECTIVES:
        return False
    if objective == "cpt" or has_recipe:
        return True
    if not isinstance(raw.get("base_model"), str):
        return False
    from .model import packs_without_padding

    return packs_without_padding((base / raw["base_model"]).expanduser())


def _attention(raw: dict, base: Path) -> str:
    """`attn_implementation`, with "auto" (the default) resolved from the base model's family when its
    config.json is readable: eager for Gemma 2 (SDPA cannot soft-cap), sdpa otherwise."""
    from .model import EAGER_FAMILIES, auto_attention, model_type  # light: no torch or transformers at import

    value = _choice(raw, "attn_implementation", "auto", ATTENTION)
    if not isinstance(raw.get("base_model"), str):
        return value
    folder = (base / raw["base_model"]).expanduser()
    family = model_type(folder)
    if value == "sdpa" and family in EAGER_FAMILIES:
        raise _bad("attn_implementation", f"cannot be \"sdpa\" for a {family} base model: {EAGER_FAMILIES[family]}.",
                   "Set `attn_implementation` to \"auto\" or \"eager\", or leave it out.")
    return auto_attention(folder) if value == "auto" else value


def _devices(raw) -> int | list[int]:
    value = raw.get("devices", 1)
    if value is None or value == []:  # the engine's "no choice": one process on the picked device
        return 1
    if isinstance(value, list) and value and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value) \
            and len(set(value)) == len(value):
        return list(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 64:
        return value
    raise _bad("devices", f"must be a process count (1-64) or a list of distinct GPU indices, not {value!r}.",
               "Set `devices` to 1, to 2 for two GPUs (or processes on CPU), or to GPU indices such as [0, 1].")


def load_config(path: Path) -> RunConfig:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LatheError("bad_config", f"Cannot read {path}: {exc.strerror}.", "Pass --config with an existing run.json.",
                         exit_code=EXIT_BAD_ARGUMENTS) from exc
    except ValueError as exc:
        raise LatheError("bad_config", f"{path} is not valid JSON ({exc}).", "Fix the JSON syntax in run.json.",
                         exit_code=EXIT_BAD_ARGUMENTS) from exc
    if not isinstance(raw, dict):
        raise _bad("(top level)", "must be an object.", "Write run.json as one JSON object.")
    known = set(RunConfig.__dataclass_fields__) - {"train_files", "validation_files", "attn_requested"} | {"data"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise _bad(unknown[0], "is not a known key.", f"Remove it or fix the spelling; known keys: {', '.join(sorted(known))}.")
    base = path.resolve().parent
    for key in ("base_model", "output_dir"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise _bad(key, "is required (a folder path).", f"Set `{key}` to a folder path.")
    data = raw.get("data")
    recipe = _recipe(raw.get("recipe"), base)
    if recipe is not None and isinstance(data, dict) and data.get("train"):
        raise _bad("recipe", "and `data.train` are both set.", "Put every training file in `recipe` and keep only "
                   "`data.validation`, or drop `recipe`.")
    if recipe is not None and data is None:
        data = {"validation": None}
    if not isinstance(data, dict):
        raise _bad("data", "is required: {\"train\": [...], \"validation\": [...] | null}.",
                   "Add a `data` object with a `train` list of .jsonl files.")
    objective, method = _choice(raw, "objective", "sft", OBJECTIVES), _choice(raw, "method", "lora", METHODS)
    if objective in PREFERENCE_OBJECTIVES:
        if recipe is not None:
            raise _bad("recipe", f"cannot mix sources for objective {objective!r}.",
                       "Put the preference data in `data.train` and drop `recipe`.")
        if raw.get("packing"):
            raise _bad("packing", f"is not supported for objective {objective!r}: preference batches are padded.",
                       "Set `packing` to false or leave it out.")
    max_steps, epochs = _int(raw, "max_steps", None, 1), _float(raw, "epochs", None, 0.0)
    if (max_steps is None) == (epochs is None) or epochs == 0.0:
        raise _bad("max_steps", "or `epochs` must be given (exactly one of them).", "Set `max_steps` (e.g. 500) or `epochs` (e.g. 2).")
    return RunConfig(
        base_model=str((base / raw["base_model"]).expanduser().resolve()),
        output_dir=str((base / raw["output_dir"]).expanduser().resolve()),
        train_files=[] if recipe else _files(data.get("train"), "data.train", base, required=True),
        validation_files=_files(data.get("validation"), "data.validation", base, required=False),
        method=method,
        objective=objective,
        lora=_lora(raw.get("lora")),
        max_seq_len=_int(raw, "max_seq_len", 1024, 8),
        micro_batch_size=_int(raw, "micro_batch_size", 4, 1),
        grad_accum=_int(raw, "grad_accum", 1, 1),
        lr=_float(raw, "lr", 2e-4, 0.0, 10.0),
        schedule=_choice(raw, "schedule", "cosine", SCHEDULES),
        warmup_steps=_int(raw, "warmup_steps", 0, 0),
        max_steps=max_steps,
        epochs=epochs,
        eval_every=_int(raw, "eval_every", 0, 0),
        eval_at_start=_flag(raw, "eval_at_start"),
        checkpoint_every=_int(raw, "checkpoint_every", 0, 0),
        keep_checkpoints=_int(raw, "keep_checkpoints", 3, 0),
        seed=_int(raw, "seed", 0, 0),
        device=_choice(raw, "device", "auto", DEVICES),
        weight_decay=_float(raw, "weight_decay", 0.0),
        grad_clip=_float(raw, "grad_clip", 1.0),
        min_lr_ratio=_float(raw, "min_lr_ratio", 0.0, 0.0, 1.0),
        precision=_choice(raw, "precision", "auto", PRECISIONS),
        gradient_checkpointing=_flag(raw, "gradient_checkpointing"),
        attn_implementation=_attention(raw, base),
        attn_requested=_choice(raw, "attn_implementation", "auto", ATTENTION),
        compile=_flag(raw, "compile"),
        packing=_packing(raw, base, objective, recipe is not None),
        recipe=recipe,
        preference=_preference(raw, objective, method),
        devices=_devices(raw),
        nodes=_int(raw, "nodes", 1, 1),
        sharding=_choice(raw, "sharding", "ddp", SHARDING),
        heartbeat_seconds=_float(raw, "heartbeat_seconds", 10.0, 0.0, 3600.0),
        debug_inject_nan_at_step=_int(raw, "debug_inject_nan_at_step", None, 1),
        debug_stop_after_step=_int(raw, "debug_stop_after_step", None, 1),
        debug_fake_oom_at_step=_int(raw, "debug_fake_oom_at_step", None, 1),
    )

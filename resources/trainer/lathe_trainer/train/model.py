"""The base model: refuse unsafe weight formats, pick the device, load, and wrap for the chosen method.

Only safetensors are ever loaded and `trust_remote_code` is always False: a model folder is data, and a
pickle (.bin/.pt) or a modelling .py file inside it could run arbitrary code on an air-gapped machine. A folder
that asks for such code (auto_map, *.py) is refused up front (see no_remote_code).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..no_remote_code import refuse_custom_code
from ..protocol import LatheError, log

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")
# Test hook: =1 lets `precision: fp16` run on the CPU (autocast float16 + a CPU GradScaler), so the GPU's
# loss-scaling path is exercised where no GPU exists. Slow and pointless for real training.
CPU_FP16_ENV = "LATHE_TRAINER_CPU_FP16"
FP16_SCALE_ENV = "LATHE_TRAINER_FP16_INIT_SCALE"  # test hook: GradScaler's first loss scale (default 65536)

# Families whose transformers implementation cannot run SDPA: Gemma 2 soft-caps attention logits, which
# torch's SDPA kernel cannot do (its class sets _supports_sdpa = False and from_pretrained refuses "sdpa").
EAGER_FAMILIES = {"gemma2": "Gemma 2 soft-caps its attention logits, which SDPA cannot do"}


def model_type(base: Path) -> str | None:
    """config.json's model_type, or None when it cannot be read (cheap: no transformers import)."""
    import json

    try:
        value = json.loads((Path(base) / "config.json").read_text(encoding="utf-8")).get("model_type")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def auto_attention(base: Path, device: str = "cpu") -> str:
    """What "auto" means for this base model: eager where the family needs it; on a CUDA device with flash-attn
    installed, FlashAttention 2 (packed rows then run as variable-length sequences, no dense mask); else sdpa."""
    if model_type(base) in EAGER_FAMILIES:
        return "eager"
    if device.startswith("cuda") and os.environ.get(NO_FLASH_ENV) != "1" and _flash_attn_installed() \
            and _class_supports(base, "_supports_flash_attn", unknown=False):
        return "flash_attention_2"
    return "sdpa"


NO_FLASH_ENV = "LATHE_TRAINER_NO_FLASH_ATTN"  # =1: "auto" never picks flash_attention_2


def _flash_attn_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("flash_attn") is not None


def _class_supports_sdpa(base: Path) -> bool:
    return _class_supports(base, "_supports_sdpa")


def _class_supports(base: Path, flag: str, unknown: bool = True) -> bool:
    """Whether the transformers class of this model sets `flag` (`unknown` when that cannot be told)."""
    try:
        from transformers import AutoConfig
        from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING

        config = AutoConfig.from_pretrained(base, trust_remote_code=False, local_files_only=True)
        cls = MODEL_FOR_CAUSAL_LM_MAPPING.get(type(config), None)  # this lazy mapping's get() needs its default
    except Exception:  # noqa: BLE001 - an unreadable config fails later, with its own error
        return unknown
    return bool(getattr(cls, flag, unknown)) if cls is not None else unknown


def packs_without_padding(base: Path) -> bool:
    """Whether examples of this model can share a row: its transformers code builds attention masks with
    masking_utils, which reads packed position ids (restarting at 0) as separate documents — SDPA and eager get a
    block-diagonal mask, FlashAttention variable-length sequences. Every supported family does; a model class that
    builds its own mask would let packed examples attend to each other, so it pads instead."""
    import sys

    try:
        from transformers import AutoConfig
        from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING

        config = AutoConfig.from_pretrained(base, trust_remote_code=False, local_files_only=True)
        cls = MODEL_FOR_CAUSAL_LM_MAPPING.get(type(config), None)
    except Exception:  # noqa: BLE001 - an unreadable config fails later, with its own error
        return False
    module = sys.modules.get(cls.__module__) if cls is not None else None
    return module is not None and callable(getattr(module, "create_causal_mask", None))


def resolve_attention(base: Path, requested: str, device: str) -> str:
    """The attn_implementation to load `base` with, or an error that says which one to pick instead."""
    family = model_type(base)
    if requested == "auto":
        requested = auto_attention(base, device)
    if requested == "sdpa" and family in EAGER_FAMILIES:
        raise LatheError("attention_unsupported", f"`attn_implementation` \"sdpa\" does not work for {family}: "
                         f"{EAGER_FAMILIES[family]}.",
                         "Set `attn_implementation` to \"auto\" or \"eager\" (or \"flash_attention_2\" on a CUDA GPU "
                         "with flash-attn installed).")
    if requested == "sdpa" and not _class_supports_sdpa(base):
        log(f"{family or Path(base).name}: transformers has no SDPA attention for this model; using eager attention")
        requested = "eager"
    if requested == "flash_attention_2":
        import importlib.util

        if not device.startswith("cuda"):
            raise LatheError("attention_unsupported", "`attn_implementation` \"flash_attention_2\" needs a CUDA GPU.",
                             "Set `attn_implementation` to \"auto\" to train on the CPU.")
        if importlib.util.find_spec("flash_attn") is None:
            raise LatheError("flash_attn_missing", "`attn_implementation` is \"flash_attention_2\" but the flash-attn "
                             "package is not installed.",
                             "Install flash-attn into .venv (from a local wheel when offline), or set "
                             "`attn_implementation` to \"auto\".")
    return requested


def check_base_folder(base: Path) -> list[Path]:
    """The safetensors files of a model folder, or an error saying why it cannot be used."""
    if not base.is_dir() or not (base / "config.json").is_file():
        raise LatheError("base_model_missing", f"{base} is not a Hugging Face model folder (no config.json).",
                         "Set `base_model` to a folder with config.json, tokenizer files and *.safetensors.")
    refuse_custom_code(base)
    weights = sorted(base.glob("*.safetensors"))
    if weights:
        return weights
    pickles = sorted(p.name for p in base.iterdir() if p.suffix in PICKLE_SUFFIXES)
    if pickles:
        raise LatheError("unsafe_weights",
                         f"{base} holds only pickle weights ({', '.join(pickles[:3])}); Lathe loads safetensors only.",
                         "Convert the weights to safetensors on a trusted machine (for example with "
                         "`model.save_pretrained(dir, safe_serialization=True)`) and point `base_model` at that folder.")
    raise LatheError("base_model_missing", f"{base} holds no *.safetensors weights.",
                     "Point `base_model` at a folder that contains the model's *.safetensors files.")


def pick_device(requested: str) -> str:
    import torch

    has_cuda = torch.cuda.is_available()
    if requested == "cuda" and not has_cuda:
        raise LatheError("cuda_unavailable", "`device` is \"cuda\" but torch sees no CUDA GPU.",
                         "Set `device` to \"auto\" or \"cpu\", or check the GPU driver with `python -m lathe_trainer doctor`.")
    return "cuda" if requested == "cuda" or (requested == "auto" and has_cuda) else "cpu"


def require_gpu_for(method: str, device: str) -> None:
    if method == "qlora" and not device.startswith("cuda"):
        raise LatheError("qlora_needs_gpu", "QLoRA quantises the base model to 4 bits with bitsandbytes, which needs an NVIDIA "
                         "GPU (CUDA).",
                         "Choose method \"lora\" (or \"full\" for a small model) to train on the CPU, or run on a machine with a CUDA GPU.")


def resolve_precision(requested: str, device: str) -> str:
    """fp32 | bf16 | fp16. auto: bf16 on GPUs that have it, else fp16 on GPU; fp32 on CPU."""
    import torch

    cuda = device.startswith("cuda")
    if requested == "auto":
        return ("bf16" if torch.cuda.is_bf16_supported() else "fp16") if cuda else "fp32"
    if requested == "fp16" and not cuda and os.environ.get(CPU_FP16_ENV) != "1":
        raise LatheError("precision_unsupported", "fp16 mixed precision needs a CUDA GPU (it relies on loss scaling there).",
                         "Set `precision` to \"auto\", \"fp32\" or \"bf16\" on the CPU.")
    if requested == "bf16" and cuda and not torch.cuda.is_bf16_supported():
        raise LatheError("precision_unsupported", "This GPU has no bf16 support.", "Set `precision` to \"fp16\" or \"auto\".")
    return requested


def autocast_for(device: str, precision: str):
    """The autocast context of a forward pass; master weights and the loss stay float32."""
    import torch
    from contextlib import nullcontext

    if precision == "fp32":
        return nullcontext()
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16 if precision == "bf16" else torch.float16)


def load_tokenizer(base: Path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base, trust_remote_code=False, local_files_only=True)
    if tokenizer.eos_token_id is None:
        raise LatheError("tokenizer_unsupported", "The base model's tokenizer has no end-of-sequence token.",
                         "Use a base model whose tokenizer_config.json sets eos_token.")
    return tokenizer


def enable_checkpointing(model) -> None:
    """Activation (gradient) checkpointing, non-reentrant; transformers >= 5.2x renamed the method."""
    if hasattr(model, "activation_checkpointing_enable"):
        model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})


def load_model(base: Path, method: str, lora, device: str, precision: str = "fp32", attn_implementation: str = "auto",
               gradient_checkpointing: bool = False, compile_blocks: bool = False):
    """The trainable model on `device`: a PEFT LoRA wrapper, or the full model for method "full".

    attn_implementation: auto | sdpa | eager | flash_attention_2 (see `resolve_attention`; auto is eager for
    Gemma 2, whose soft-capped attention SDPA cannot do, and sdpa otherwise).

    Full fine-tuning keeps float32 master weights (autocast does the half-precision math). LoRA on a GPU
    loads the frozen base in the half dtype - half the memory - while PEFT keeps the adapter in float32.
    """
    import torch
    from transformers import AutoModelForCausalLM

    half = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    dtype = half if half is not None and method == "lora" and device.startswith("cuda") else torch.float32
    kwargs = dict(trust_remote_code=False, local_files_only=True, use_safetensors=True, dtype=dtype,
                  attn_implementation=resolve_attention(base, attn_implementation, device))
    if method == "qlora":
        try:
            import bitsandbytes  # noqa: F401  - lazily: it is not in requirements.txt (GPU-only, large)
        except ImportError as exc:
            raise LatheError("bitsandbytes_missing", "QLoRA needs the bitsandbytes package, which is not installed.",
                             "bitsandbytes is in Lathe's GPU extra: run `npm run setup:python` on this machine (it installs "
                             "the extra when it finds an NVIDIA GPU; LATHE_GPU_EXTRA=1 forces it), or choose method "
                             "\"lora\".") from exc
        from transformers import BitsAndBytesConfig
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16 if precision != "fp16" else torch.float16)
        kwargs["device_map"] = {"": torch.device(device).index or 0}
    model = AutoModelForCausalLM.from_pretrained(base, **kwargs)
    if method != "qlora":
        model.to(device)
    if device.startswith("cuda"):
        apply_liger_kernels(model)
    if gradient_checkpointing and method != "qlora":
        # Non-reentrant: works with frozen inputs (LoRA) and keeps dropout's RNG identical on recompute.
        enable_checkpointing(model)
    if method == "full":
        return compiled(model, compile_blocks)  # float32 master weights (dtype above): what GradScaler needs for fp16
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    if method == "qlora":
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=gradient_checkpointing,
                                                gradient_checkpointing_kwargs={"use_reentrant": False})
    config = LoraConfig(r=lora.rank, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                        target_modules=lora.target_modules, task_type="CAUSAL_LM", bias="none")
    model = get_peft_model(model, config)
    for p in model.parameters():  # peft keeps adapters in float32; make sure, as fp16's GradScaler cannot unscale fp16
        if p.requires_grad and p.dtype != torch.float32:
            p.data = p.data.float()
    return compiled(model, compile_blocks)


NO_LIGER_ENV = "LATHE_TRAINER_NO_LIGER"  # =1: never patch Liger kernels in


def apply_liger_kernels(model) -> bool:
    """Liger's Triton kernels for RMSNorm, RoPE and SwiGLU in this model (CUDA only, when liger-kernel is installed:
    the GPU extra). The loss stays ours (loss.py, which uses Liger's fused linear cross-entropy itself). A family
    Liger does not know, or any failure to patch, leaves the model as it was."""
    import importlib.util

    if os.environ.get(NO_LIGER_ENV) == "1" or importlib.util.find_spec("liger_kernel") is None:
        return False
    try:
        from liger_kernel.transformers import _apply_liger_kernel_to_instance

        _apply_liger_kernel_to_instance(model=model, rope=True, rms_norm=True, swiglu=True, cross_entropy=False,
                                        fused_linear_cross_entropy=False)
    except Exception as exc:  # noqa: BLE001 - an optimisation; never a reason to fail a run
        log(f"liger-kernel could not patch this model ({exc}); training without it")
        return False
    log("liger-kernel: RMSNorm, RoPE and SwiGLU kernels in use")
    return True


def compiled(model, on: bool):
    """Regional torch.compile: each decoder block compiled in place (same code for all blocks, so one compilation
    serves them all; the model's hooks and the loss stay eager)."""
    if not on:
        return model
    from .distributed import decoder_blocks

    blocks = decoder_blocks(model)
    if not blocks:
        raise LatheError("compile_unsupported", "`compile` could not find this model's decoder layers.",
                         "Set `compile` to false for this model.")
    for block in blocks:
        block.compile()
    log(f"torch.compile: {len(blocks)} decoder blocks compile on their first step")
    return model


def weights_filename(method: str) -> str:
    return "model.safetensors" if method == "full" else "adapter_model.safetensors"


def save_weights(model, folder: Path, state_dict: dict | None = None) -> Path:
    """PEFT adapter (adapter_model.safetensors + adapter_config.json) or full model, safetensors only.
    `state_dict`: the whole state gathered from sharded processes (FSDP), instead of the model's own."""
    if state_dict is None:
        model.save_pretrained(folder, safe_serialization=True)
    else:
        model.save_pretrained(folder, safe_serialization=True, state_dict=state_dict)
    return folder


def load_weights(model, folder: Path, method: str) -> None:
    from safetensors.torch import load_file

    if method == "full":
        state = {}
        for shard in sorted(folder.glob("*.safetensors")):  # large models are saved in shards
            state.update(load_file(str(shard)))
        missing, unexpected = model.load_state_dict(state, strict=False)
        # Tied weights may be saved once; anything else missing means a different model.
        if unexpected or any("lm_head" not in m for m in missing):
            raise LatheError("checkpoint_mismatch", "The checkpoint's weights do not fit this base model.",
                             "Resume with the same `base_model` and `method` the checkpoint was made with.")
    else:
        from peft import set_peft_model_state_dict

        state = load_file(str(folder / weights_filename(method)))
        result = set_peft_model_state_dict(model, state)
        if getattr(result, "unexpected_keys", None):
            raise LatheError("checkpoint_mismatch", "The checkpoint's adapter does not fit this base model.",
                             "Resume with the same `base_model` and `lora` settings the checkpoint was made with.")

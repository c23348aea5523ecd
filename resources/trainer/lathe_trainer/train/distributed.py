"""Several GPUs (or CPU processes) on one machine: torchrun starts the workers, PyTorch DDP keeps them in step.

`train` with `devices` > 1 relaunches itself under `python -m torch.distributed.run --standalone` and relays
the workers' protocol lines. Over several machines (`nodes` > 1: a Slurm job, where `srun` starts this command once per
node with LATHE_RDZV_ENDPOINT and LATHE_RDZV_ID set by `lathe_trainer.remote supervise --srun`) each node's torchrun
joins the others through the c10d rendezvous at that endpoint instead; only the node that hosts rank 0 relays lines; inside torchrun (RANK/WORLD_SIZE set) every worker trains on its own share of each
step's samples. Only rank 0 writes protocol lines, checkpoints, outputs and the manifest. Backends: nccl on
CUDA, gloo on CPU. The loss of a step is the global token mean: label counts and loss sums are all-reduced,
and each worker's loss is scaled by world_size because DDP (and FSDP) average the gradients.

`sharding: "fsdp"` uses torch's FSDP2 (`fully_shard`) instead of DDP: every decoder block and then the whole
model are sharded over the processes, so each holds 1/world of the weights, gradients and optimizer state and
gathers one block at a time. Checkpoints and outputs stay whole (gathered to rank 0, on the CPU), in the same
format as without sharding.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

from ..protocol import EXIT_BAD_ARGUMENTS, EXIT_CANCELLED, EXIT_ERROR, LatheError, ProtocolWriter, log


def inside_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "RANK" in os.environ


def relaunch(writer: ProtocolWriter, config_path: Path, resume: Path | None, devices, nodes: int = 1) -> int:
    """Runs the same command under torchrun and relays its protocol lines; returns the exit status."""
    count = devices if isinstance(devices, int) else len(devices)
    env = dict(os.environ)
    if isinstance(devices, list):
        env["CUDA_VISIBLE_DEVICES"] = ",".join(str(d) for d in devices)
    endpoint = os.environ.get("LATHE_RDZV_ENDPOINT")
    if nodes > 1 and not endpoint:
        raise LatheError("distributed_failed", f"A run over {nodes} nodes needs torchrun's rendezvous endpoint, and none was given.",
                         "Start it on a Slurm compute target (Lathe sets the endpoint), or set `nodes` to 1.",
                         exit_code=EXIT_BAD_ARGUMENTS)
    rendezvous = (["--nnodes", str(nodes), "--rdzv-backend=c10d", f"--rdzv-endpoint={endpoint}",
                   f"--rdzv-id={os.environ.get('LATHE_RDZV_ID', 'lathe')}"] if endpoint else ["--standalone"])
    command = [sys.executable, "-m", "torch.distributed.run", *rendezvous, f"--nproc-per-node={count}",
               "-m", "lathe_trainer", "train", "--config", str(config_path)]
    if resume is not None:
        command += ["--resume", str(resume)]
    log(f"relaunching under torchrun with {count} processes: {' '.join(command)}")
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=None, env=env, text=True, bufsize=1)

    forwarded = []

    def forward(signum, _frame):
        # Stop = the signal to torchrun, which passes it to the workers; they agree on a step, checkpoint and
        # exit. Once only: when the engine signals the whole process group, torchrun already has it, and a
        # second one would cut its wait for the workers short. We keep relaying until every worker closed the pipe.
        if not forwarded:
            forwarded.append(signum)
            log(f"{signal.Signals(signum).name}: passing it to torchrun")
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    last = None
    try:
        assert child.stdout is not None
        for line in child.stdout:
            try:
                record = json.loads(line)
            except ValueError:
                sys.stderr.write(line)  # torchrun's own chatter
                continue
            writer.relay(record)
            if record.get("type") in ("done", "error"):
                last = last if last and last.get("type") == "error" else record  # the first error wins
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if last is None and endpoint:
        return EXIT_ERROR if code else 0  # rank 0 ran on another node, whose lines are the run's
    if last is None:
        raise LatheError("distributed_failed", f"The torchrun workers exited with status {code} without a result.",
                         "Read the trainer log (stderr) for the failing rank, or set `devices` to 1.")
    if last["type"] == "done":
        return 0 if code == 0 else EXIT_ERROR
    return {"cancelled": EXIT_CANCELLED, "bad_config": EXIT_BAD_ARGUMENTS}.get(last.get("code"), EXIT_ERROR)


class Dist:
    """The process group, or a stand-in with the same methods for a single process."""

    def __init__(self) -> None:
        self.rank, self.world, self.local_rank = 0, 1, 0
        self.backend: str | None = None
        self.sharded = False  # FSDP2 in use

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def start(self, device: str) -> str:
        """Joins the group when under torchrun; returns this worker's device."""
        if not inside_torchrun():
            return device
        import torch
        import torch.distributed as dist

        self.rank, self.world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.backend = "nccl" if device == "cuda" else "gloo"
        if device == "cuda":
            torch.cuda.set_device(self.local_rank)
            device = f"cuda:{self.local_rank}"
        dist.init_process_group(backend=self.backend)
        self._device = device
        return device

    def sum(self, value: float) -> float:
        if self.world == 1:
            return value
        import torch
        import torch.distributed as dist

        tensor = torch.tensor([float(value)], dtype=torch.float64, device=self._reduce_device())
        dist.all_reduce(tensor)
        return float(tensor.item())

    def sum_tensor(self, tensor):
        """Element-wise sum of a (CPU) tensor over all processes, in float64; one all-reduce for many numbers."""
        import torch

        tensor = tensor.detach().to(torch.float64).cpu()
        if self.world == 1:
            return tensor
        import torch.distributed as dist

        reduced = tensor.to(self._reduce_device())
        dist.all_reduce(reduced)
        return reduced.cpu()

    def any(self, flag: bool) -> bool:
        return self.sum(1.0 if flag else 0.0) > 0

    def gather(self, value) -> list | None:
        """Every process's `value` (any picklable object), in rank order, on rank 0; None elsewhere."""
        if self.world == 1:
            return [value]
        import torch.distributed as dist

        gathered = [None] * self.world if self.is_main else None
        dist.gather_object(value, gathered, dst=0)
        return gathered

    def seed_for_rank(self, seed: int) -> int:
        """Each process's own torch seed, so their dropout masks differ (the weights are the same everywhere:
        DDP copies rank 0's when it wraps the model)."""
        return seed * 1_000_003 + 7_919 * self.rank + 1

    def barrier(self) -> None:
        if self.world > 1:
            import torch.distributed as dist

            dist.barrier()

    def wrap(self, model, sharding: str = "ddp"):
        if self.world == 1:
            return model
        if sharding == "fsdp":
            return self._fully_shard(model)
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.local_rank] if self._device.startswith("cuda") else None
        # Buffers (rotary tables) are identical everywhere; broadcasting them each forward only costs time.
        return DistributedDataParallel(model, device_ids=ids, broadcast_buffers=False)

    def _fully_shard(self, model):
        """FSDP2 in place: each decoder block its own unit (gathered for its forward and backward only), then the
        rest (embeddings, final norm, head) as the root unit."""
        import torch
        from torch.distributed.device_mesh import init_device_mesh
        from torch.distributed.fsdp import fully_shard

        mesh = init_device_mesh(torch.device(self._device).type, (self.world,))
        blocks = decoder_blocks(model)
        if not blocks:
            raise LatheError("sharding_unsupported", "FSDP could not find this model's decoder layers.",
                             "Set `sharding` to \"ddp\" for this model.")
        for block in blocks:
            fully_shard(block, mesh=mesh)
        fully_shard(model, mesh=mesh)
        self.sharded = True
        return model

    def no_sync(self, model, last: bool):
        """Skip the gradient all-reduce (DDP) or reduce-scatter (FSDP) on all but the last micro-batch of a step."""
        if self.sharded:
            model.set_requires_gradient_sync(last)
            return nullcontext()
        return model.no_sync() if self.world > 1 and not last else nullcontext()

    def full_model_state(self, model) -> dict | None:
        """FSDP: the whole state dict on rank 0 (CPU tensors), None elsewhere; every rank must call it."""
        from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

        state = get_model_state_dict(model, options=StateDictOptions(full_state_dict=True, cpu_offload=True))
        return state if self.is_main else None

    def full_optimizer_state(self, model, optimizer) -> dict | None:
        """FSDP: the optimizer's whole state (keyed by parameter name) on rank 0; every rank must call it."""
        from torch.distributed.checkpoint.state_dict import StateDictOptions, get_optimizer_state_dict

        state = get_optimizer_state_dict(model, optimizer,
                                         options=StateDictOptions(full_state_dict=True, cpu_offload=True))
        return state if self.is_main else None

    def load_optimizer_state(self, model, optimizer, state: dict) -> None:
        if not self.sharded:
            optimizer.load_state_dict(state)
            return
        from torch.distributed.checkpoint.state_dict import StateDictOptions, set_optimizer_state_dict

        set_optimizer_state_dict(model, optimizer, optim_state_dict=state,
                                 options=StateDictOptions(full_state_dict=True))

    def close(self) -> None:
        if self.world > 1:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.destroy_process_group()

    def _reduce_device(self) -> str:
        return self._device if self.backend == "nccl" else "cpu"


def unwrap(model):
    return getattr(model, "module", model)


def decoder_blocks(model) -> list:
    """The repeated transformer blocks (a ModuleList named layers, h or blocks), e.g. model.model.layers."""
    import torch

    for name, module in model.named_modules():
        if isinstance(module, torch.nn.ModuleList) and name.rsplit(".", 1)[-1] in ("layers", "h", "blocks") and len(module):
            return list(module)
    return []

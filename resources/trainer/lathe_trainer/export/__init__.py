"""Export helpers: fold a PEFT adapter into its base (merged safetensors for vLLM/TGI) and prove the merge is
faithful by comparing logits with the unmerged base+adapter. Run as `python -m lathe_trainer.export`."""

"""`train`: LoRA / QLoRA / full fine-tuning (SFT or continued pre-training) in one lean loop.

loop.py reads top to bottom (setup -> fit -> validate -> checkpoint); config.py, data.py, model.py,
checkpoint.py and manifest.py are the helpers it calls.
"""

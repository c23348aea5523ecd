"""The tiny Llama every test, the demo and the benchmarks use, built locally from the shipped corpus.

No model can be downloaded at run time, so Lathe trains its own: a 512-piece sentencepiece tokenizer,
a 2-layer Llama, a minute of CPU pre-training, then an HF folder and a GGUF converted by llama.cpp's
own converter. The real loading code paths (AutoTokenizer, LlamaForCausalLM, node-llama-cpp) stay in use.
"""

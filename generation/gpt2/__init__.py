"""GPT-2 through gpt-2-simple: models on disk, a warm sampler, and a finetune loop with progress.

`files` is safe to import anywhere (no TensorFlow). `sampler` and `training` import gpt_2_simple,
which turns off TensorFlow's eager mode for the whole process: import them only in the worker
(the tasks do it lazily), never at the top of a module the web process loads.
"""

"""Audio on the desk to a model on a microcontroller: data, augmentation, log-mel, fastai training, weak-label aggregation, low-bit QAT and integer C99 export.

Modules:

- `tinyaudio.cgen`: The small helpers every C generator uses: literals, const arrays, string literals that no data can break out of, identifiers, comments, and headers with include guards and extern "C".
- `tinyaudio.cli`: tinyaudio data | train | quantize | export | mcu-run | predict | evaluate | detect | evaluate-stream | calibrate | search | demo: argument parsing over tinyaudio.pipeline and tinyaudio.search, every wrong argument a one-line error.
- `tinyaudio.data`: Loading and validating audio, one record per clip, fixed-length analysis windows, decoding once, and fastai DataLoaders cut by a FrontendConfig. The dataset readers are in tinyaudio.datasets.
- `tinyaudio.datasets`: Readers for ESC-50, Speech Commands, FSDD, UrbanSound8K, a folder per class and a CSV; speaker- and fold-based splits; a seeded synthetic dataset that needs no download; class balance; downloads with checksums.
- `tinyaudio.events`: Sound events on long recordings: the Event record, Audacity label tracks and event CSVs in and out (each bad line an error naming the file and the line), and the causal rules that turn window posteriors into events.
- `tinyaudio.export_c`: The C99 project of a deployed model, generated from its IntModel alone: the log-mel frontend tables, the integer network, the pipeline from audio to scores (batch and streaming) and from a stream to events, the class names, the build files of a static library and a firmware example fed by a microphone's DMA.
- `tinyaudio.host`: Compile an exported C project for this computer and drive it from numpy; check it against the Python reference bit for bit (network), within 1e-3 (frontend), batch against streaming; and fuzz its streaming entry point.
- `tinyaudio.intmodel`: IntModel: the deployment artifact. Integer layers with their frontend, windows, classes and clip decision, saved as a versioned file pair that checks itself on load, and the exact numpy reference that the C must equal.
- `tinyaudio.listen`: A deployed model on long recordings: audio read in blocks, window scores every hop (Python or the exported C), events out, the event rules calibrated on a validation stream for a false-alarm rate, and streams evaluated.
- `tinyaudio.mcu`: The Cortex-M bench that ships with tinyaudio: build C for an emulated Cortex-M (M4F by default) with arm-none-eabi-gcc, run it under QEMU, and measure flash, RAM, stack and exact instruction counts.
- `tinyaudio.pipeline`: The run folder as an object: train, quantize, export, measure on the Cortex-M, evaluate and predict, each step reading what the one before wrote and checking that it belongs together.
- `tinyaudio.pretrain`: Self-supervised pretraining of a tiny encoder on unlabelled audio (BYOL for audio), the shipped encoder, linear probes, and transfer into any recipe (tinyaudio train --init pretrained).
- `tinyaudio.recipes`: Named datasets with their protocol, frontend and training defaults: one place that the command line, the benchmarks and the tutorials all read.
- `tinyaudio.search`: The best model that fits a device: a multi-objective Optuna search over the model, the frontend, the windows and the bit widths, each trial trained, exported and measured on the emulated Cortex-M4, resumable from SQLite and spread over a Ray cluster.
- `tinyaudio.streams`: Long test recordings with a known ground truth (sound events over a background, keywords over noise), written and read as a folder, and the detection metrics that judge a detector on them: event and segment F1 (sed_eval), misses, false alarms per hour, onset delay, and the trade-off between misses and false alarms.
- `tinyaudio.testing`: Fixtures for the test suite, the notebooks and the benchmarks (a tiny CNN, random integer models, test signals), and the one rule for checks whose tools may be missing. Not part of the library's API."""

__version__ = "0.1.0"

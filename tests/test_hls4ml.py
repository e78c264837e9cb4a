"""hls4ml reads the export prepared by `tinyaudio.export_onnx.hls4ml_qonnx`, and its C simulation (g++) gives Brevitas'
logits exactly with the `hls4ml_precision` overrides, for a model ending in global average pooling (the case
hls4ml refuses as exported). hls4ml is installed apart, in `.hls4ml`, by scripts/install.sh; where it is missing
the test is skipped, except in CI, where that is a failure. benchmarks/bench_hls4ml.py does the same on real audio
for three zoo models, with hls4ml's default types too."""
import sys
from pathlib import Path
import numpy as np
import pytest
import torch
from torch import nn
from tinyaudio.testing import in_ci

sys.path.insert(0, str(Path(__file__).resolve().parent.parent/'benchmarks'))
import bench_hls4ml as bench

hls4ml, WHY = bench.try_import_hls4ml()


def varied_inputs(n:int, shape) -> torch.Tensor:
    "Random inputs with a level and a spread of their own: averaged over the map, i.i.d. noise would all look alike."
    return torch.randn(n, *shape) * torch.empty(n, 1, 1, 1).uniform_(0.2, 3) + torch.empty(n, 1, 1, 1).uniform_(-2, 2)


def untrained_but_varied(model:nn.Module, shape, n:int=64) -> nn.Module:
    """BatchNorm statistics from random inputs (realistic activation magnitudes), and a classifier without bias and
    with larger weights, so that the predicted class depends on the input (else one bias wins everywhere)."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d): m.momentum = None
    with torch.no_grad():
        model.train()(varied_inputs(n, shape))
        head = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
        nn.init.normal_(head.weight, std=1.0); nn.init.zeros_(head.bias)
    return model.eval()


@pytest.mark.skipif(hls4ml is None and not in_ci(), reason=f'{WHY}; install: {bench.INSTALL_HINT}')
def test_hls4ml_csim_equals_brevitas_with_global_pool(tmp_path):
    assert hls4ml is not None, WHY
    from tinyaudio.models import ds_cnn
    from tinyaudio.qat import quantize_model
    from tinyaudio.export_onnx import export_qonnx_model, hls4ml_qonnx
    torch.manual_seed(0)
    shape = (1, 16, 20)
    float_model = untrained_but_varied(ds_cnn(5, shape[1], shape[2], width=0.25), shape)
    qmodel = quantize_model(float_model, bits=8, po2=True, calib=varied_inputs(64, shape)).eval()
    graph = hls4ml_qonnx(export_qonnx_model(qmodel, shape, tmp_path/'ds.onnx'))
    hls_model = bench.hls4ml_convert(hls4ml, graph, tmp_path/'hls', 'wide')
    bench.hls4ml_compile(hls_model)
    x = varied_inputs(16, shape)
    logits, stream_warnings = bench.hls4ml_predict(hls_model, x.numpy())
    with torch.no_grad(): expected = qmodel(x).numpy()
    assert stream_warnings == 0
    assert len(set(expected.argmax(1))) > 1, 'a constant prediction would make the comparison meaningless'
    np.testing.assert_array_equal(logits.argmax(1), expected.argmax(1))
    np.testing.assert_allclose(logits, expected, atol=1e-6)

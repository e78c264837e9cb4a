"The C decision layer on real streams: events of the exported C, audio in, equal Python's from the C's own integer scores."
from dataclasses import replace
import numpy as np
import pytest
from tinyaudio.core import data_root
from tinyaudio.datasets import read_esc50, read_speech_commands
from tinyaudio.events import EventRules, detect_events
from tinyaudio.features import FrontendConfig
from tinyaudio.host import HostProject
from tinyaudio.streams import make_soundscape, make_keyword_stream
from tinyaudio.testing import random_intmodel, centred_logits, require

WORDS = ['yes', 'no', 'up', 'down']


def _check(stream, frontend, names, rules_kw, tmp_path):
    raw = replace(random_intmodel(frontend=frontend, n_classes=len(names), seed=1), class_names=names)
    im = replace(centred_logits(raw, HostProject.of(raw, tmp_path/'raw', prefix='rs').stream(stream.audio)),
                 event_rules=EventRules.for_frontend(frontend, **rules_kw).to_dict())
    host = HostProject.of(im, tmp_path/'c', prefix='rs')
    scores = host.stream(stream.audio, block_sizes=(512, 160, 3001))
    c_events = host.listen(stream.audio, block_sizes=(512, 160, 3001))
    assert c_events == detect_events(scores, names, im.rules(), output_scale=im.output_scale)
    return c_events


def test_esc50_soundscape(tmp_path):
    require('data')
    fold4 = [it for it in read_esc50() if it.split == 'valid']
    stream = make_soundscape(fold4, duration_s=60, snr_db=10.0, seed=5)
    fe = FrontendConfig(n_mels=16, window_seconds=0.5, window_hop_seconds=0.1)
    names = sorted({it.label for it in fold4})[:8]
    events = _check(stream, fe, names, dict(on=0.3, off=0.2, smooth_hops=3, suppress_s=0.3, merge_gap_s=0.2, min_duration_s=0.2), tmp_path)
    assert len(events) >= 5, events


def test_keyword_stream(tmp_path):
    require('data')
    items = [it for it in read_speech_commands(keep=WORDS) if it.split == 'test']
    stream = make_keyword_stream(items, WORDS, duration_s=60, seed=6, noise=[it.path for it in items if it.label == '_silence_'])
    fe = FrontendConfig(n_mels=10, window_seconds=1.0, window_hop_seconds=0.25)
    names = WORDS + ['_silence_', '_unknown_']
    events = _check(stream, fe, names, dict(on=0.4, off=0.3, smooth_hops=2, ema=0.5, suppress_s=1.0, background=('_silence_', '_unknown_')),
                    tmp_path)
    assert len(events) >= 5 and {e.label for e in events} <= set(WORDS), events

"""Where a fixture generator writes: tests/fixtures/torch-<major.minor>/ of the PyTorch that runs
it, so that each LibTorch version the tests run against has values from its own PyTorch; and how
fixtures spell what JSON cannot hold. Imported by the scripts/gen_*.py generators."""
import math
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def torch_tag():
    major, minor = torch.__version__.split('+')[0].split('.')[:2]
    return f'torch-{major}.{minor}'


def fixture_path(name):
    out = os.path.join(HERE, '..', 'tests', 'fixtures', torch_tag())
    os.makedirs(out, exist_ok=True)
    return os.path.normpath(os.path.join(out, name))


def json_number(v):
    """JSON has no NaN or infinities: fixtures spell them 'nan', 'inf' and '-inf'."""
    if isinstance(v, float):
        if math.isnan(v):
            return 'nan'
        if math.isinf(v):
            return 'inf' if v > 0 else '-inf'
    return v

# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The serverless function of tools/experiments/pull-slim-vs-fat: what a
# small OpenWhisk Python action does at its cold start, import its
# libraries (Debian-packaged), load a compiled helper and, in the "ml"
# variant, numpy/scipy and a model file, then answer once.
import json
import os
import sys

import requests  # noqa: F401  (imported, as the action's HTTP client)
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import speedup  # noqa: E402  (the C extension built in the build stage)

MODEL = "/app/model.bin"


def main():
    cfg = yaml.safe_load("greeting: hello\nn: 1000\n")
    out = {"greeting": cfg["greeting"], "sum": speedup.sum_to(cfg["n"])}
    if os.path.exists(MODEL):
        import numpy
        import scipy.linalg

        # the model file is random bytes: read them as small integers,
        # as float32 they would hold NaNs
        raw = numpy.fromfile(MODEL, dtype=numpy.uint8, count=64 * 64)
        w = raw.astype(numpy.float32)
        out["norm"] = float(scipy.linalg.norm(w.reshape(64, 64)))
    print(json.dumps(out))


if __name__ == "__main__":
    main()

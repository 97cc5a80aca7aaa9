"""Writes a seed corpus for the tensor-file fuzzers: small .npy and .npz files made by NumPy,
valid and rejected ones alike, so fuzzing starts from every branch of the readers.

usage: /usr/bin/python3 fuzz/make_seeds.py <npy seed dir> <npz seed dir>
"""
import io
import os
import sys

import numpy as np

npy_dir, npz_dir = sys.argv[1], sys.argv[2]
os.makedirs(npy_dir, exist_ok=True)
os.makedirs(npz_dir, exist_ok=True)

arrays = {
    "f4_2x3": np.arange(6, dtype="<f4").reshape(2, 3),
    "f8_vec": np.array([1.5, -0.0, np.inf, np.nan], dtype="<f8"),
    "f4_0d": np.array(3.25, dtype="<f4"),
    "f8_empty": np.zeros((2, 0, 3), dtype="<f8"),
    "f4_fortran": np.asfortranarray(np.arange(24, dtype="<f4").reshape(2, 3, 4)),
    "f8_rank5": np.ones((1, 2, 1, 2, 1), dtype="<f8"),
    "i4": np.arange(4, dtype="<i4"),
    "f4_big_endian": np.arange(3, dtype=">f4"),
    "f2": np.arange(3, dtype="<f2"),
    "structured": np.zeros(2, dtype=[("x", "<f4"), ("y", "<f8")]),
}

for name, array in arrays.items():
    np.save(os.path.join(npy_dir, name + ".npy"), array)
for version in [(2, 0), (3, 0)]:
    with open(os.path.join(npy_dir, "v%d.npy" % version[0]), "wb") as f:
        np.lib.format.write_array(f, arrays["f4_2x3"], version=version)

floats = {k: v for k, v in arrays.items() if v.dtype.kind == "f" and v.dtype.itemsize >= 4
          and v.dtype.byteorder != ">"}
np.savez(os.path.join(npz_dir, "stored.npz"), **floats)
np.savez_compressed(os.path.join(npz_dir, "deflated.npz"), **floats)
np.savez(os.path.join(npz_dir, "positional.npz"), arrays["f4_2x3"], arrays["f8_vec"])
np.savez_compressed(os.path.join(npz_dir, "one.npz"), x=arrays["f4_0d"])
np.savez(os.path.join(npz_dir, "rejected_dtype.npz"), i=arrays["i4"])
np.savez(os.path.join(npz_dir, "empty.npz"))

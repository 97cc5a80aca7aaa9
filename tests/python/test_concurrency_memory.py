"""Several Python threads at once, memory that stays flat, the buffer cache."""

import threading
import time

import numpy as np
import pytest

import tinyaccel as ta

from conftest import gelu_ref


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_calls_from_many_python_threads_give_correct_results(rng):
    a = rng.standard_normal((96, 80)).astype(np.float32)
    b = rng.standard_normal((80, 72)).astype(np.float32)
    x = rng.standard_normal((300, 301)).astype(np.float32)
    block = ta.nn.TransformerBlock.random(64, 4, 128, seed=3)
    xb = rng.standard_normal((1, 16, 64)).astype(np.float32)
    want_mm = a.astype(np.float64) @ b
    want_gelu = gelu_ref(x)
    want_block = block.forward(xb)
    errors = []

    def worker(i):
        try:
            for _ in range(30):
                np.testing.assert_allclose(ta.matmul(a, b), want_mm, rtol=1e-4, atol=1e-4)
                np.testing.assert_allclose(ta.fused_gelu(x), want_gelu, rtol=1e-5, atol=1e-6)
                np.testing.assert_array_equal(block.forward(xb), want_block)
        except Exception as e:  # reported below, with the thread's index
            errors.append((i, e))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    previous = ta.num_threads()
    for t in threads:
        t.start()
    for i in range(20):  # the thread count changing under running kernels
        ta.set_num_threads(1 + i % 2)
        time.sleep(0.005)
    for t in threads:
        t.join()
    ta.set_num_threads(previous)
    assert not errors, errors


def test_the_gil_is_released_while_a_kernel_runs():
    x = np.ones((2048, 2048), np.float32)
    ticks = []
    done = threading.Event()

    def python_work():
        while not done.is_set():
            ticks.append(1)
            time.sleep(0)

    t = threading.Thread(target=python_work)
    previous = ta.num_threads()
    t.start()
    ta.set_num_threads(1)
    try:
        before = len(ticks)
        ta.matmul(x, x)  # ~0.1 s on one thread
        during = len(ticks) - before
    finally:
        done.set()
        t.join()
        ta.set_num_threads(previous)
    assert during > 10


def test_no_leak_over_ten_thousand_calls(rng):
    a = rng.standard_normal((32, 32)).astype(np.float32)
    x = rng.standard_normal(100_000).astype(np.float32)
    out = np.empty_like(x)

    def burst(n):
        for _ in range(n):
            ta.matmul(a, a)
            ta.fused_gelu(x)
            ta.fused_gelu(x, out=out)
            ta.softmax(a)

    burst(500)
    start = rss_bytes()
    burst(10_000)
    grown = rss_bytes() - start
    assert grown < 4 << 20, f"RSS grew by {grown} bytes over 10,000 calls"
    assert ta.memory_stats()["current_bytes"] < 1 << 20


def test_buffer_cache_reuses_and_releases():
    limit = ta._native.buffer_cache_limit()
    try:
        ta.set_buffer_cache_limit(64 << 20)
        x = np.ones((1024, 1024), np.float32)
        y = ta.fused_gelu(x)
        address = y.__array_interface__["data"][0]
        del y
        assert ta.memory_stats()["cached_bytes"] >= 4 << 20
        y = ta.fused_gelu(x)
        assert y.__array_interface__["data"][0] == address
        del y
        ta.release_cached_buffers()
        assert ta.memory_stats()["cached_bytes"] == 0
        ta.set_buffer_cache_limit(0)
        ta.fused_gelu(x)
        assert ta.memory_stats()["cached_bytes"] == 0
        with pytest.raises(ValueError):
            ta.set_buffer_cache_limit(-1)
    finally:
        ta.set_buffer_cache_limit(limit)

#!/usr/bin/env python3
"""Benchmark: discburn against genisoimage, xorriso (-as mkisofs) and tar on the same trees.

Trees: (a) 30 000 small files in 600 directories (~250 MB), (b) 4 x 512 MiB files.
Runs are alternated between tools, each tool runs N times per tree (default 3), and the
median wall time and peak RSS (from /usr/bin/time -f %M) are reported, with ratios
against each peer. Output images go to the same file system as the trees; the page
cache is warm for everyone (one untimed warm-up run per tool first).

Usage: python3 bench/bench.py [--runs 3] [--work DIR] [--discburn PATH] [--only small|large]
"""

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def make_small_tree(path):
    """30 000 files of 1..16 KiB spread over 600 directories (two levels)."""
    if os.path.exists(os.path.join(path, ".complete")):
        return
    shutil.rmtree(path, ignore_errors=True)
    rng = random.Random(1)
    blob = os.urandom(16 * 1024 + 4096)
    for d in range(600):
        sub = os.path.join(path, f"group{d // 30:02d}", f"dir{d:03d}")
        os.makedirs(sub, exist_ok=True)
        for f in range(50):
            size = rng.randint(1, 16 * 1024)
            off = rng.randint(0, 4096)
            with open(os.path.join(sub, f"file_{f:02d}_{rng.randint(0, 10**6)}.dat"), "wb") as fh:
                fh.write(blob[off:off + size])
    open(os.path.join(path, ".complete"), "w").close()


def make_large_tree(path):
    """4 files of 512 MiB each."""
    if os.path.exists(os.path.join(path, ".complete")):
        return
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    chunk = os.urandom(8 << 20)
    for i in range(4):
        with open(os.path.join(path, f"big{i}.bin"), "wb") as fh:
            for _ in range(64):
                fh.write(chunk)
    open(os.path.join(path, ".complete"), "w").close()


def tools(discburn):
    return {
        "discburn": lambda src, out: [discburn, "burn", "--target", out, "--volume-name", "BENCH", src],
        "genisoimage": lambda src, out: ["genisoimage", "-quiet", "-R", "-J", "-joliet-long", "-V", "BENCH", "-o", out, src],
        "xorriso": lambda src, out: ["xorriso", "-as", "mkisofs", "-quiet", "-R", "-J", "-joliet-long", "-V", "BENCH", "-o", out, src],
        "tar": lambda src, out: ["tar", "cf", out, "-C", src, "."],
    }


def run_once(argv, out):
    if os.path.exists(out):
        os.remove(out)
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(argv)}\n{proc.stderr}")
    rss_kib = int(proc.stderr.strip().splitlines()[-1])
    size = os.path.getsize(out)
    os.remove(out)
    return elapsed, rss_kib, size


def bench_tree(name, src, work, runs, discburn):
    table = tools(discburn)
    results = {t: [] for t in table}
    out = os.path.join(work, "out.img")
    for tool, argv in table.items():  # warm-up, untimed
        run_once(argv(src, out), out)
    for _ in range(runs):
        for tool, argv in table.items():
            results[tool].append(run_once(argv(src, out), out))
    print(f"\n== tree {name}: {src}")
    print(f"{'tool':<12} {'median s':>9} {'peak RSS MiB':>13} {'output MiB':>11}")
    med = {}
    for tool, rs in results.items():
        t = statistics.median(r[0] for r in rs)
        rss = statistics.median(r[1] for r in rs) / 1024
        size = rs[0][2] / (1 << 20)
        med[tool] = (t, rss)
        print(f"{tool:<12} {t:9.3f} {rss:13.1f} {size:11.1f}")
    d_t, d_rss = med["discburn"]
    verdicts = []
    for peer in ("genisoimage", "xorriso"):
        p_t, p_rss = med[peer]
        ratio = d_t / p_t
        verdicts.append(ratio < 1.0)
        print(f"time discburn/{peer}: {ratio:.2f}  ({'faster' if ratio < 1 else 'SLOWER'})")
    tar_ratio = d_t / med["tar"][0]
    verdicts.append(tar_ratio <= 1.25)
    print(f"time discburn/tar: {tar_ratio:.2f}  (target <= 1.25: {'met' if tar_ratio <= 1.25 else 'MISSED'})")
    rss_ratio = d_rss / med["genisoimage"][1]
    verdicts.append(rss_ratio <= 1.0)
    print(f"peak RSS discburn/genisoimage: {rss_ratio:.2f}  (target <= 1.00: {'met' if rss_ratio <= 1.0 else 'MISSED'})")
    return all(verdicts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    ap.add_argument("--discburn", default=os.path.join(ROOT, "target", "release", "discburn"))
    ap.add_argument("--only", choices=["small", "large"])
    args = ap.parse_args()
    if not os.path.exists(args.discburn):
        subprocess.run(["cargo", "build", "--release", "-p", "discburn-cli"], cwd=ROOT, check=True)
    for tool in ("genisoimage", "xorriso", "tar", "/usr/bin/time"):
        if not shutil.which(tool):
            sys.exit(f"missing {tool}: apt-get install -y genisoimage xorriso tar time")
    os.makedirs(args.work, exist_ok=True)
    ok = True
    if args.only in (None, "small"):
        src = os.path.join(args.work, "small")
        make_small_tree(src)
        ok &= bench_tree("(a) 30 000 small files / 600 dirs", src, args.work, args.runs, args.discburn)
    if args.only in (None, "large"):
        src = os.path.join(args.work, "large")
        make_large_tree(src)
        ok &= bench_tree("(b) 4 x 512 MiB files", src, args.work, args.runs, args.discburn)
    print("\nall targets met" if ok else "\nsome targets missed (see above)")


if __name__ == "__main__":
    main()

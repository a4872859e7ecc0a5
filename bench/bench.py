#!/usr/bin/env python3
"""Benchmark: discburn against genisoimage, xorriso (-as mkisofs) and tar on the same trees.

Trees: (a) 30 000 small files in 600 directories (~250 MB), (b) 4 x 512 MiB files.
Runs are alternated between tools, each tool runs N times per tree (default 3), and the
median wall time and peak RSS (from /usr/bin/time -f %M) are reported, with ratios
against each peer. Output images go to the same file system as the trees; the page
cache is warm for everyone (one untimed warm-up run per tool first).

Usage: python3 bench/bench.py [--runs 3] [--work DIR] [--discburn PATH] [--only small|large]
       python3 bench/bench.py --checksums [--verify-only] [--runs 3] [--only small|large]
       python3 bench/bench.py --append [--runs 3] [--files 1000000] [--only small|large]
       python3 bench/bench.py --recorder [--runs 3] [--only large|small]
       python3 bench/bench.py --sync [--runs 3]

--sync measures `discburn sync` (issue 11): the 30 000-file tree backed up once, then, each
run, 10 of its files grown by a line and `discburn sync --target IMG TREE` against
`xorriso -dev IMG -update_r TREE / -commit` on xorriso's own image of the same tree (time
ratio, target <= 0.25); the blocks each new session takes are printed too.

--recorder measures burning to the emulated recorder (issue 10): (a) the engine's throughput
into an emulated BD-R with no speed limit, the data already in memory (a 2 GiB file in
/dev/shm; target >= 1 GB/s), with --no-checksums and with the default MD5s side by side,
ratios against cat of the same file next to the medium and against md5sum of it (the bound
with checksums: MD5 is one stream per core), and CPU seconds per GB (load-independent); (b) the
30 000-file tree burned to an emulated BD-R at 16x (72 MB/s) with the default buffers:
buffer underruns (target 0), time and peak RSS; then the host delivering more and more
slowly (the emulator's slow=D per command) until the drive underruns: the slowest delivery
that still gives none. With --recorder, --only large runs (a) and --only small runs (b).

--checksums measures MD5 checksums (issue 11 §6): building with them (discburn's default)
against `xorriso -as mkisofs --md5` (target: faster) and against discburn --no-checksums
(target on the small tree: at most +15 %), then `discburn verify` of the image against
xorriso's -check_md5/-check_md5_r and against md5sum over the same file (target <= 1.2).
Each build's CPU seconds (user + system) are printed beside its wall time: on 2 shared cores
the wall ratio says as much about the other jobs as about discburn. The cost of checksums
is two MD5 chains over the data (~1.6-1.8 CPU s/GB each here, the speed of md5sum): the
session's and each file's, on two threads of their own beside the reading thread (fsimage
checksums::hasher, the md-5 crate), so on 2 cores the wall cost is small only while both
hashing threads find a free core. Figures below with '(md5_pair)' were measured with an
earlier hand-written two-lane MD5 that did both chains for ~1.2x one; it was replaced by the
md-5 crate (hashing is not ours to write): on the small tree at load ~3 that build took
1.12-1.24 s wall / 0.57 s user against 1.51-1.69 s / 1.0 s now (--no-checksums 0.59-0.70 s). Measured (md5_pair) on the
30 000-file tree at load ~10: CPU 0.97 s with MD5s vs 0.43 s without (wall 3.04 vs 1.39 s:
+119 %), xorriso --md5 3.40 s CPU (wall 0.30 of it); 4 x 512 MiB: CPU 7.8 s vs 1.0 s,
xorriso --md5 13.0 s CPU (wall 0.74 of it). CPU per thread (/proc, load ~10): small tree,
reading thread 0.49-0.63 s with MD5s vs 0.51-0.57 s without, hashing thread 0.45-0.50 s (so
on a free second core the wall cost is the reading thread's few %); 4 x 512 MiB, hashing
thread 3.3 s (md5sum of 2 GiB: 3.4 s), reading thread 3.0 s vs 1.7 s with the kernel's copy.

--append measures session appends instead (issue 7): (a) appending one small file to an
image of the 30 000-file tree, discburn against `xorriso -dev IMG -map f /f -commit` on
xorriso's own image of the same tree (time ratio, target <= 0.25; new blocks, target: no
more than xorriso); (b) appending one file to an image of a 1 000 000-file tree, which
imports every file of the last session (time, target < 3 s; peak RSS per imported file,
target < 500 bytes; the stages of discburn's --json events are printed too). With
--append, --only small runs (a) and --only large runs (b). Before every timed run each
image is put back exactly as it was (the 64 KiB superblock at LBA 0-31 and everything from
the next writable address on: the only bytes an append writes; checked by hash).
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


def make_million_tree(path, count):
    """`count` files (default 1 000 000) in directories of 1000, two levels; one file in
    16 holds 1..97 bytes, the others are empty. Takes a few minutes the first time."""
    marker = path.rstrip("/") + f".complete-{count}"  # outside the tree: not one of its files
    if os.path.exists(marker):
        return
    shutil.rmtree(path, ignore_errors=True)
    per = 1000
    for d in range((count + per - 1) // per):
        sub = os.path.join(path, f"d{d // 100:03d}", f"d{d:04d}")
        os.makedirs(sub, exist_ok=True)
        for f in range(min(per, count - d * per)):
            i = d * per + f
            fd = os.open(os.path.join(sub, f"f{i:07d}"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            if i % 16 == 0:
                os.write(fd, b"x" * (i % 97 + 1))
            os.close(fd)
    open(marker, "w").close()


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


# ---------------------------------------------------------------- --append (issue 7)

SUPERBLOCK = 32 * 2048


class Pristine:
    """An image file and what an append may change in it: LBA 0-31, and everything from
    the next writable address `nwa` (blocks) on (xorriso's padding lies past its
    last session, inside the file, and the next session overwrites it); so that every
    run starts from the same image without copying it."""

    def __init__(self, path, nwa):
        self.path = path
        self.length = os.path.getsize(path)
        self.tail_from = min(nwa * 2048, self.length)
        with open(path, "rb") as fh:
            self.head = fh.read(SUPERBLOCK)
            fh.seek(self.tail_from)
            self.tail = fh.read()

    def restore(self):
        with open(self.path, "r+b") as fh:
            fh.truncate(self.tail_from)
            fh.seek(self.tail_from)
            fh.write(self.tail)
            fh.seek(0)
            fh.write(self.head)

    def digest(self):
        import hashlib
        h = hashlib.sha256()
        with open(self.path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()


def timed(argv):
    """Runs argv under /usr/bin/time; returns (seconds, peak RSS KiB, output)."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "@@RSS %M"] + argv, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(argv)}\n{proc.stdout}\n{proc.stderr}")
    rss = [l for l in proc.stderr.splitlines() if l.startswith("@@RSS ")]
    return elapsed, int(rss[-1].split()[1]), proc.stdout + proc.stderr


def discburn_sessions(discburn, image):
    out = subprocess.run([discburn, "--json", "info", "--target", image], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    import json
    return json.loads(out.strip().splitlines()[-1])["sessions"]


def xorriso_sessions(image):
    out = subprocess.run(["xorriso", "-indev", image, "-toc"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True).stdout
    sessions = []
    for line in out.splitlines():
        if line.startswith("ISO session  :"):
            f = [x.strip() for x in line.split(":", 1)[1].split(",")]
            sessions.append({"number": int(f[0]), "start_lba": int(f[1]), "blocks": int(f[2].rstrip("s"))})
    return sessions


def stage_seconds(output):
    """Seconds per stage of a `discburn --json burn` run, from its stage events."""
    import json
    marks = []
    for line in output.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if ev.get("type") in ("stage", "progress", "result") and "elapsed_s" in ev:
            name = ev.get("action") or ev["type"]
            if not marks or marks[-1][0] != name:
                marks.append((name, ev["elapsed_s"]))
    out = {}
    for (name, t), (_, t_next) in zip(marks, marks[1:]):
        out[name] = out.get(name, 0) + t_next - t
    return out


def next_writable(sessions):
    """Where the next session goes: the end of the last one, rounded up to 32 blocks."""
    last = sessions[-1]
    return -(-(last["start_lba"] + last["blocks"]) // 32) * 32


def bench_append_small(src, work, runs, discburn):
    """(a) One small file appended to an image of the 30 000-file tree."""
    extra_dir = os.path.join(work, "append-extra")
    os.makedirs(extra_dir, exist_ok=True)
    extra = os.path.join(extra_dir, "f")
    with open(extra, "wb") as fh:
        fh.write(b"one small file appended\n")
    d_img = os.path.join(work, "append-discburn.iso")
    n_img = os.path.join(work, "append-discburn-no-joliet.iso")
    x_img = os.path.join(work, "append-xorriso.iso")
    j_img = os.path.join(work, "append-xorriso-joliet.iso")
    for img in (d_img, n_img, x_img, j_img):
        if os.path.exists(img):
            os.remove(img)
    subprocess.run([discburn, "burn", "--target", d_img, "--volume-name", "BENCH", src], check=True,
                   stdout=subprocess.DEVNULL)
    # The same file systems as xorriso's native mode (ISO 9660 + Rock Ridge, no Joliet).
    subprocess.run([discburn, "burn", "--no-joliet", "--target", n_img, "--volume-name", "BENCH", src],
                   check=True, stdout=subprocess.DEVNULL)
    # xorriso's native mode writes no Joliet tree; discburn always does (ISO 9660 + Joliet +
    # Rock Ridge in every session), so xorriso -joliet on is the like-for-like peer.
    for img, joliet in ((x_img, []), (j_img, ["-joliet", "on"])):
        subprocess.run(["xorriso"] + joliet + ["-outdev", img, "-volid", "BENCH", "-map", src, "/",
                        "-commit"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    d_base = Pristine(d_img, next_writable(discburn_sessions(discburn, d_img)))
    n_base = Pristine(n_img, next_writable(discburn_sessions(discburn, n_img)))
    x_base = Pristine(x_img, next_writable(xorriso_sessions(x_img)))
    j_base = Pristine(j_img, next_writable(xorriso_sessions(j_img)))
    digests = [(b, b.digest()) for b in (d_base, n_base, x_base, j_base)]
    tools = {
        "discburn": (d_base, [discburn, "burn", "--target", d_img, extra]),
        "discburn-noJ": (n_base, [discburn, "burn", "--no-joliet", "--target", n_img, extra]),
        "xorriso": (x_base, ["xorriso", "-dev", x_img, "-map", extra, "/f", "-commit"]),
        "xorriso-J": (j_base, ["xorriso", "-joliet", "on", "-dev", j_img, "-map", extra, "/f", "-commit"]),
    }
    results = {t: [] for t in tools}
    grown = {}
    for i in range(runs + 1):  # the first round warms the cache and is not counted
        for tool, (base, argv) in tools.items():
            base.restore()
            t, rss, out = timed(argv)
            if i > 0:
                results[tool].append((t, rss))
            # Blocks written past the old end of the last session (the file may have been longer).
            grown[tool] = (os.path.getsize(base.path) - base.tail_from) // 2048
            if tool == "xorriso":
                import re
                m = re.search(r"Written to medium : (\d+) sectors", out)
                grown["xorriso-written"] = int(m.group(1)) if m else None
    sessions = {"discburn": discburn_sessions(discburn, d_img),
                "discburn-noJ": discburn_sessions(discburn, n_img), "xorriso": xorriso_sessions(x_img),
                "xorriso-J": xorriso_sessions(j_img)}
    for base, digest in digests:
        base.restore()
        if base.digest() != digest:
            sys.exit(f"{base.path}: not restored exactly")
    print(f"\n== (a) append one small file to an image of the 30 000-file tree ({runs} runs)")
    print(f"{'tool':<13} {'median s':>9} {'peak RSS MiB':>13} {'session blocks':>15} {'file grew by':>13}")
    med = {}
    for tool, rs in results.items():
        t = statistics.median(r[0] for r in rs)
        rss = statistics.median(r[1] for r in rs) / 1024
        med[tool] = t
        newest = sessions[tool][-1]["blocks"] if sessions[tool] else 0
        print(f"{tool:<13} {t:9.3f} {rss:13.1f} {newest:15d} {grown[tool]:13d}")
    if grown.get("xorriso-written") is not None:
        print(f"(xorriso: 'Written to medium : {grown['xorriso-written']} sectors', its 300 KiB padding included)")
    ratio = med["discburn"] / med["xorriso"]
    d_blocks = sessions["discburn"][-1]["blocks"]
    x_blocks = sessions["xorriso"][-1]["blocks"]
    j_blocks = sessions["xorriso-J"][-1]["blocks"]
    print(f"time discburn/xorriso: {ratio:.3f}  (target <= 0.25: {'met' if ratio <= 0.25 else 'MISSED'})")
    print(f"time discburn/xorriso -joliet on: {med['discburn'] / med['xorriso-J']:.3f}  (same file systems)")
    n_ratio = med["discburn-noJ"] / med["xorriso"]
    n_blocks = sessions["discburn-noJ"][-1]["blocks"]
    print(f"time discburn --no-joliet/xorriso: {n_ratio:.3f}  (same file systems; target <= 0.25: "
          f"{'met' if n_ratio <= 0.25 else 'MISSED'})")
    print(f"new blocks discburn --no-joliet {n_blocks} vs xorriso {x_blocks}: "
          f"{'no more' if n_blocks <= x_blocks else 'MORE'}")
    blocks_ok = d_blocks <= x_blocks and grown["discburn"] <= grown["xorriso"]
    print(f"new blocks discburn {d_blocks} (file +{grown['discburn']}) vs xorriso {x_blocks} "
          f"(file +{grown['xorriso']})  (target: no more than xorriso: {'met' if blocks_ok else 'MISSED'})")
    print(f"new blocks discburn {d_blocks} vs xorriso -joliet on {j_blocks} (file +{grown['xorriso-J']}): "
          f"{'no more' if d_blocks <= j_blocks else 'MORE'}")
    return ratio <= 0.25 and blocks_ok


def bench_import_million(src, count, work, runs, discburn):
    """(b) Append to an image of `count` files: the whole session is imported."""
    img = os.path.join(work, f"million-{count}.iso")
    marker = img + ".complete"
    if not os.path.exists(marker):
        if os.path.exists(img):
            os.remove(img)
        t, rss, _ = timed([discburn, "burn", "--target", img, "--volume-name", "MILLION", src])
        print(f"made {img}: {t:.1f} s, peak RSS {rss / 1024:.0f} MiB")
        open(marker, "w").close()
    files = discburn_sessions(discburn, img)[-1]["files"]
    extra_dir = os.path.join(work, "append-extra")
    os.makedirs(extra_dir, exist_ok=True)
    extra = os.path.join(extra_dir, "tiny")
    with open(extra, "wb") as fh:
        fh.write(b"tiny\n")
    base = Pristine(img, next_writable(discburn_sessions(discburn, img)))
    results = []
    stages = []
    for i in range(runs + 1):  # the first run warms the cache and is not counted
        base.restore()
        t, rss, out = timed([discburn, "--json", "burn", "--target", img, extra])
        if i > 0:
            results.append((t, rss))
            stages.append(stage_seconds(out))
    base.restore()
    t = statistics.median(r[0] for r in results)
    rss_kib = statistics.median(r[1] for r in results)
    per_file = rss_kib * 1024 / files
    print(f"\n== (b) append to an image of {files} files (imports every one; {runs} runs)")
    print(f"median {t:.3f} s, peak RSS {rss_kib / 1024:.1f} MiB = {per_file:.0f} bytes per imported file")
    names = [n for n in stages[0] if n not in ("completed", "result")]
    print("stages (median s): " + ", ".join(
        f"{n} {statistics.median(st.get(n, 0) for st in stages):.2f}" for n in names))
    print(f"time: target < 3 s: {'met' if t < 3 else 'MISSED'}; "
          f"memory: target < 500 bytes/file: {'met' if per_file < 500 else 'MISSED'}")
    return t < 3 and per_file < 500


def burn_to_emu(discburn, medium, src, extra, env_faults=""):
    """Creates a blank BD-R at `medium` and burns `src` to it; returns (s, RSS KiB, result)."""
    import json
    for path in (medium, medium + ".state.json"):
        if os.path.exists(path):
            os.remove(path)
    subprocess.run([discburn, "emu", "create", medium, "--media", "bd-r"], check=True,
                   stdout=subprocess.DEVNULL)
    env = dict(os.environ, DISCBURN_EMU_FAULTS=env_faults)
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "@@RSS %M", discburn, "--json", "burn",
                           "--target", "emu:" + medium] + extra + [src],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"burn failed: {proc.stdout}\n{proc.stderr}")
    rss = int([l for l in proc.stderr.splitlines() if l.startswith("@@RSS ")][-1].split()[1])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return elapsed, rss, result


def bench_recorder(work, runs, discburn, only=None):
    ok = True
    if only != "small":
        ok &= bench_recorder_throughput(runs, discburn)
    if only != "large":
        ok &= bench_recorder_underruns(work, discburn)
    return ok


def bench_recorder_throughput(runs, discburn):
    ok = True
    print("\n== (a) throughput into an emulated BD-R, data in memory (no speed limit); "
          f"load average {os.getloadavg()[0]:.2f}")
    shm = "/dev/shm/discburn-bench"
    os.makedirs(shm, exist_ok=True)
    data = os.path.join(shm, "src")
    os.makedirs(data, exist_ok=True)
    blob = os.path.join(data, "blob.bin")
    if not os.path.exists(blob) or os.path.getsize(blob) != 2 << 30:
        with open(blob, "wb") as f:
            chunk = os.urandom(1 << 20)
            for _ in range(2048):
                f.write(chunk)
    # The medium in memory too: the engine's throughput, not the disk's.
    medium = os.path.join(shm, "bench-bdr.emu")

    def peer(argv, out=None):
        start = time.perf_counter()
        with open(out or os.devnull, "wb") as sink:
            subprocess.run(argv, check=True, stdout=sink)
        return (2 << 30) / (time.perf_counter() - start) / 1e9

    plain, summed, cp_rates, md5_rates, cpu = [], [], [], [], {}
    copy = os.path.join(shm, "bench-copy.bin")
    for _ in range(runs):
        for extra, rates in ((["--no-checksums"], plain), ([], summed)):
            _, _, result = burn_to_emu(discburn, medium, data, extra)
            rates.append(result["bytes_written"] / result["elapsed_s"] / 1e9)
        cp_rates.append(peer(["cat", blob], copy))
        os.remove(copy)
        md5_rates.append(peer(["md5sum", blob]))
    for extra in (["--no-checksums"], []):
        # CPU seconds (user + system) per GB: what the burn costs, whatever the load.
        for path in (medium, medium + ".state.json"):
            if os.path.exists(path):
                os.remove(path)
        subprocess.run([discburn, "emu", "create", medium, "--media", "bd-r"], check=True,
                       stdout=subprocess.DEVNULL)
        before = os.times()
        subprocess.run([discburn, "burn", "--target", "emu:" + medium] + extra + [data],
                       check=True, stdout=subprocess.DEVNULL)
        after = os.times()
        used = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        cpu[" ".join(extra) or "checksums"] = used / ((2 << 30) / 1e9)
    rate, md5_rate = statistics.median(plain), statistics.median(md5_rates)
    cp_rate, sum_rate = statistics.median(cp_rates), statistics.median(summed)
    print(f"{'':34}{'GB/s':>6}  {'vs cat':>6}  {'vs md5sum':>9}  {'CPU s/GB':>8}")
    print(f"{'discburn --no-checksums':34}{rate:6.2f}  {rate / cp_rate:6.2f}  {rate / md5_rate:9.2f}  "
          f"{cpu['--no-checksums']:8.2f}")
    print(f"{'discburn (MD5s, the default)':34}{sum_rate:6.2f}  {sum_rate / cp_rate:6.2f}  "
          f"{sum_rate / md5_rate:9.2f}  {cpu['checksums']:8.2f}")
    print(f"{'cat FILE > medium dir (peer)':34}{cp_rate:6.2f}")
    print(f"{'md5sum FILE (one MD5, peer)':34}{md5_rate:6.2f}")
    print(f"target >= 1 GB/s into the medium: {'met' if rate >= 1.0 else 'MISSED'} "
          f"(--no-checksums; with MD5s the bound is one core's MD5 speed, as md5sum shows: "
          f"the session's MD5 is one chain of dependent steps, and each file's MD5 is "
          f"computed beside it in the same pass)")
    ok &= rate >= 1.0
    shutil.rmtree(shm, ignore_errors=True)
    return ok


def bench_recorder_underruns(work, discburn):
    ok = True
    medium = os.path.join(work, "bench-bdr.emu")

    print("\n== (b) the 30 000-file tree to an emulated BD-R at 16x (72 MB/s), default buffers")
    src = os.path.join(work, "small")
    make_small_tree(src)
    elapsed, rss, result = burn_to_emu(discburn, medium, src, ["--speed", "16"])
    mb = result["bytes_written"] / 1e6
    print(f"{mb:.0f} MB in {elapsed:.2f} s ({mb / elapsed:.1f} MB/s), peak RSS {rss / 1024:.0f} MiB, "
          f"buffer underruns {result['buffer_underruns']} (target 0: "
          f"{'met' if result['buffer_underruns'] == 0 else 'MISSED'})")
    ok &= result["buffer_underruns"] == 0
    slowest = None
    for delay_us in (200, 500, 800, 1000, 2000):
        _, _, result = burn_to_emu(discburn, medium, src, ["--speed", "16"], f"slow={delay_us}us")
        rate = 65536 / (delay_us / 1e6) / 1e6
        print(f"  host delivering 64 KiB per {delay_us} us (<= {rate:.0f} MB/s): "
              f"{result['buffer_underruns']} underruns")
        if result["buffer_underruns"] == 0:
            slowest = rate
        else:
            break
    if slowest:
        print(f"slowest delivery with no underrun: about {slowest:.0f} MB/s")
    os.remove(medium)
    os.remove(medium + ".state.json")
    return ok


# ---------------------------------------------------------------- --sync (issue 11)

def bench_sync(small, work, runs, discburn):
    """The 30 000-file tree with 10 changed files: discburn sync against xorriso -update_r."""
    src = os.path.join(work, "sync-src")
    shutil.rmtree(src, ignore_errors=True)
    subprocess.run(["cp", "-a", small, src], check=True)
    d_img = os.path.join(work, "sync-discburn.iso")
    x_img = os.path.join(work, "sync-xorriso.iso")
    for img in (d_img, x_img):
        if os.path.exists(img):
            os.remove(img)
    timed([discburn, "sync", "--target", d_img, src])
    timed(["xorriso", "-outdev", x_img, "-map", src, "/"])
    files = sorted(os.path.join(root, f) for root, _, names in os.walk(src) for f in names)
    changed = files[:: len(files) // 10][:10]
    times = {"discburn": [], "xorriso": []}
    blocks = {"discburn": [], "xorriso": []}
    for run in range(runs):
        for path in changed:
            with open(path, "ab") as fh:
                fh.write(f"changed in run {run}\n".encode())
        order = [("discburn", [discburn, "sync", "--target", d_img, src]),
                 ("xorriso", ["xorriso", "-dev", x_img, "-update_r", src, "/", "-commit"])]
        if run % 2:
            order.reverse()
        for name, argv in order:
            seconds, _, _ = timed(argv)
            times[name].append(seconds)
            sessions = discburn_sessions(discburn, d_img) if name == "discburn" else xorriso_sessions(x_img)
            blocks[name].append(sessions[-1]["blocks"])
    d, x = statistics.median(times["discburn"]), statistics.median(times["xorriso"])
    ratio = d / x
    print("\n(sync) 30 000 files, 10 changed, median of", runs)
    print(f"  discburn sync          {d:7.3f} s  new session {statistics.median(blocks['discburn']):.0f} blocks")
    print(f"  xorriso -update_r      {x:7.3f} s  new session {statistics.median(blocks['xorriso']):.0f} blocks")
    met = ratio <= 0.25
    print(f"  ratio {ratio:.2f} (target <= 0.25): {'met' if met else 'MISSED'}")
    return met


# ---------------------------------------------------------------- --checksums (issue 11 §6)

def bench_checksums(name, src, work, runs, discburn):
    """Build with MD5s (discburn's default) against `xorriso -as mkisofs --md5` and against
    discburn --no-checksums; then verify the image against xorriso's checks and md5sum."""
    src = os.path.realpath(src)  # a tree symlinked into --work is burned, not the link
    flags = ["-R", "-J", "-joliet-long", "-V", "BENCH"]
    builds = {
        "discburn": lambda out: [discburn, "burn", "--target", out, "--volume-name", "BENCH", src],
        "discburn --no-checksums": lambda out: [discburn, "burn", "--no-checksums", "--target", out,
                                                "--volume-name", "BENCH", src],
        "xorriso --md5": lambda out: ["xorriso", "-as", "mkisofs", "-quiet"] + flags + ["--md5", "-o", out, src],
    }
    out = os.path.join(work, "out.img")
    med = wall_and_cpu({t: (lambda argv=argv: run_once(argv(out), out)[0]) for t, argv in builds.items()},
                       runs, f"\n(checksums) build, {name}")
    vs_x = med["discburn"] / med["xorriso --md5"]
    cost = med["discburn"] / med["discburn --no-checksums"]
    ok = vs_x < 1.0
    print(f"  discburn / xorriso --md5: {vs_x:.2f}  ({'faster' if vs_x < 1 else 'SLOWER'})")
    if "small" in name:
        verdict = f"target <= +15 %: {'met' if cost <= 1.15 else 'MISSED'}"
        ok &= cost <= 1.15
    else:
        verdict = "reported; the +15 % target is the small tree's"
    print(f"  discburn / --no-checksums: {cost:.2f}  (cost of checksums {100 * (cost - 1):+.0f} %; {verdict})")

    ok &= bench_verify(src, work, runs, discburn)
    return ok


def wall_and_cpu(commands, runs, title):
    """Runs each of `commands` (name -> callable returning wall seconds) once untimed, then
    `runs` times alternating the order; prints the median wall time and CPU seconds (user +
    system of the children: what the run costs, whatever the load) under `title`, with the
    load average. Returns the median wall time by name."""
    for command in commands.values():  # warm-up, untimed
        command()
    times = {t: [] for t in commands}
    cpus = {t: [] for t in commands}
    load_before = os.getloadavg()
    for run in range(runs):
        order = list(commands.items())
        if run % 2:
            order.reverse()
        for tool, command in order:
            before = os.times()
            times[tool].append(command())
            after = os.times()
            cpus[tool].append((after.children_user - before.children_user)
                              + (after.children_system - before.children_system))
    med = {t: statistics.median(v) for t, v in times.items()}
    print(f"{title}, median of {runs} (load average before {load_before[0]:.2f}, after "
          f"{os.getloadavg()[0]:.2f}; 2 cores)")
    print(f"  {'':<26} {'wall':>8}   {'CPU':>8}")
    for tool, t in med.items():
        print(f"  {tool:<26} {t:8.3f} s {statistics.median(cpus[tool]):8.3f} s")
    return med


def bench_verify(src, work, runs, discburn):
    """Verify discburn's image of `src` with discburn verify, with xorriso's checks of the
    session and of every file, and with md5sum over the whole file (target <= 1.2)."""
    src = os.path.realpath(src)
    image = os.path.join(work, "verify.iso")
    if os.path.exists(image):
        os.remove(image)
    timed([discburn, "burn", "--target", image, "--volume-name", "BENCH", src])
    checks = {
        "discburn verify": [discburn, "verify", "--target", image],
        "xorriso -check_md5": ["xorriso", "-md5", "on", "-indev", image, "-check_md5", "FAILURE", "--",
                               "-check_md5_r", "FAILURE", "/", "--"],
        "md5sum": ["md5sum", image],
    }
    size = os.path.getsize(image) / (1 << 20)
    vmed = wall_and_cpu({t: (lambda argv=argv: timed(argv)[0]) for t, argv in checks.items()},
                        runs, f"(checksums) verify a {size:.0f} MiB image")
    v_md5 = vmed["discburn verify"] / vmed["md5sum"]
    v_x = vmed["discburn verify"] / vmed["xorriso -check_md5"]
    print(f"  discburn verify / xorriso -check_md5: {v_x:.2f}")
    print(f"  discburn verify / md5sum: {v_md5:.2f}  (target <= 1.2: {'met' if v_md5 <= 1.2 else 'MISSED'})")
    os.remove(image)
    return v_md5 <= 1.2


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    ap.add_argument("--discburn", default=os.path.join(ROOT, "target", "release", "discburn"))
    ap.add_argument("--only", choices=["small", "large"])
    ap.add_argument("--append", action="store_true", help="benchmark session appends (issue 7)")
    ap.add_argument("--files", type=int, default=1_000_000, help="files of the --append import tree")
    ap.add_argument("--recorder", action="store_true", help="benchmark burning to the emulated recorder (issue 10)")
    ap.add_argument("--sync", action="store_true", help="benchmark discburn sync against xorriso -update_r (issue 11)")
    ap.add_argument("--checksums", action="store_true",
                    help="benchmark building with MD5s and verifying (issue 11)")
    ap.add_argument("--verify-only", action="store_true",
                    help="with --checksums: only the verify comparison (small tree: a 273 MiB image, "
                         "large tree: a 2 GiB image)")
    args = ap.parse_args()
    if not os.path.exists(args.discburn):
        subprocess.run(["cargo", "build", "--release", "-p", "discburn-cli"], cwd=ROOT, check=True)
    for tool in ("genisoimage", "xorriso", "tar", "/usr/bin/time"):
        if not shutil.which(tool):
            sys.exit(f"missing {tool}: apt-get install -y genisoimage xorriso tar time")
    os.makedirs(args.work, exist_ok=True)
    ok = True
    if args.checksums:
        if args.only in (None, "small"):
            src = os.path.join(args.work, "small")
            make_small_tree(src)
            if args.verify_only:
                ok &= bench_verify(src, args.work, args.runs, args.discburn)
            else:
                ok &= bench_checksums("(a) small tree, 30 000 files", src, args.work, args.runs, args.discburn)
        if args.only in (None, "large"):
            src = os.path.join(args.work, "large")
            make_large_tree(src)
            if args.verify_only:
                ok &= bench_verify(src, args.work, args.runs, args.discburn)
            else:
                ok &= bench_checksums("(b) large tree, 4 x 512 MiB", src, args.work, args.runs, args.discburn)
        print("\nall targets met" if ok else "\nsome targets missed (see above)")
        return
    if args.sync:
        small = os.path.join(args.work, "small")
        make_small_tree(small)
        ok &= bench_sync(small, args.work, args.runs, args.discburn)
        print("\nall targets met" if ok else "\nsome targets missed (see above)")
        return
    if args.recorder:
        ok &= bench_recorder(args.work, args.runs, args.discburn, args.only)
        print("\nall targets met" if ok else "\nsome targets missed (see above)")
        return
    if args.append:
        if args.only in (None, "small"):
            src = os.path.join(args.work, "small")
            make_small_tree(src)
            ok &= bench_append_small(src, args.work, args.runs, args.discburn)
        if args.only in (None, "large"):
            src = os.path.join(args.work, "million")
            make_million_tree(src, args.files)
            ok &= bench_import_million(src, args.files, args.work, args.runs, args.discburn)
        print("\nall targets met" if ok else "\nsome targets missed (see above)")
        return
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

#!/usr/bin/env python3
"""A real browser checks the digit page (ctest `web_page_in_chromium`).

Trains a small mlp512 (1 epoch, 5,120 images), serves web/ with its
TensorFlow.js export through launch/serve_web.sh (the README's command), and
drives headless Chromium through WebDriver:
  * opens 20 MNIST test digits as PNG files in the page (4x larger; every other
    one dark ink on white, as a photo would be) and requires the page's digit
    and ten probabilities to equal `mnist_dp predict` on the same files;
  * draws a digit on the pad with the mouse and requires the same of the
    pad's picture, saved as PNG and given to `mnist_dp predict`.
Probabilities agree to 1e-4 only if the page made the same 28x28 bytes as
predict (web/digit.js and src/data/digit_image.cpp).
Usage: check_web.py BINARY DATA_DIR TFJS_DIR [--screenshot PNG]
"""
import argparse
import base64
import csv
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIGITS = 20
SCALE = 4
TOLERANCE = 1e-4


def fail(message):
    print(f"check_web.py: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def write_png(path, gray):
    """An 8-bit grayscale PNG of a 2-D uint8 array."""
    height, width = gray.shape
    raw = b"".join(b"\x00" + gray[y].tobytes() for y in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw)))
        f.write(chunk(b"IEND", b""))


def mnist_test_pngs(data_dir, work):
    with open(os.path.join(data_dir, "t10k-images-idx3-ubyte"), "rb") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    paths = []
    for i in range(DIGITS):
        big = np.kron(images[i], np.ones((SCALE, SCALE), np.uint8))
        if i % 2:
            big = 255 - big
        paths.append(os.path.join(work, f"test{i:02d}.png"))
        write_png(paths[-1], big)
    return paths


def predict(binary, model, paths, work):
    out = os.path.join(work, "predict.csv")
    if os.path.exists(out):
        os.remove(out)
    subprocess.run([binary, "predict", "--model", model, *paths, "--csv", out], check=True,
                   stdout=subprocess.DEVNULL)
    with open(out) as f:
        return [(int(row["predicted"]), [float(row[f"p{c}"]) for c in range(10)])
                for row in csv.DictReader(f)]


def start_server(checkpoints, binary, tfjs, log_path):
    log = open(log_path, "w")
    env = dict(os.environ, MNIST_DP_BINARY=binary, MNIST_DP_TFJS=tfjs)
    server = subprocess.Popen(["bash", os.path.join(REPO, "launch/serve_web.sh"), checkpoints,
                               "--port", "0"], stdout=subprocess.PIPE, stderr=log, text=True,
                              env=env, start_new_session=True)
    for line in server.stdout:
        found = re.search(r"Serving HTTP on \S+ port (\d+)", line)
        if found:
            return server, f"http://127.0.0.1:{found.group(1)}/"
    fail(f"serve_web.sh ended without serving: {open(log_path).read()}")


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--window-size=900,720", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                            options=options)


def page_result(driver, results_before):
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return window.mnistDp.results") > results_before)
    return driver.execute_script("return window.mnistDp.last")


def compare(what, page, expected):
    digit, probabilities = expected
    if page is None:
        fail(f"{what}: the page found no digit")
    worst = max(abs(a - b) for a, b in zip(page["probabilities"], probabilities))
    if page["digit"] != digit or worst > TOLERANCE:
        fail(f"{what}: the page says {page['digit']}, mnist_dp predict {digit} "
             f"(probabilities differ by up to {worst:.2e})")
    return worst


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("data_dir")
    parser.add_argument("tfjs_dir")
    parser.add_argument("--screenshot", help="also save a screenshot of the page here")
    args = parser.parse_args()
    binary = os.path.realpath(args.binary)
    work = tempfile.mkdtemp(prefix="mnist_dp_web_test.")
    server = driver = None
    try:
        checkpoints = os.path.join(work, "ck")
        subprocess.run([binary, "--config", os.path.join(REPO, "configs/mlp512.yaml"),
                        "--set", f"data.dir={args.data_dir}", "--set", "data.train_limit=5120",
                        "--set", "training.epochs=1", "--set", "output.metrics=",
                        "--set", f"output.checkpoint_dir={checkpoints}", "--verbose", "0"],
                       check=True)
        pngs = mnist_test_pngs(args.data_dir, work)
        expected = predict(binary, checkpoints, pngs, work)
        server, url = start_server(checkpoints, binary, os.path.realpath(args.tfjs_dir),
                                   os.path.join(work, "server.log"))
        driver = browser()
        driver.get(url)
        driver.execute_async_script(
            "const done = arguments[0]; window.mnistDp.ready.then(() => done(), (e) => done());")
        loaded = driver.find_element(By.ID, "status").text
        if not loaded.startswith("Draw a digit"):
            fail(f"the page did not load the model: {loaded}")

        opener = driver.find_element(By.ID, "file")
        worst = 0.0
        for i, path in enumerate(pngs):
            before = driver.execute_script("return window.mnistDp.results")
            opener.send_keys(path)
            worst = max(worst, compare(os.path.basename(path), page_result(driver, before),
                                       expected[i]))
        print(f"check_web.py: {DIGITS} opened MNIST test digits: the page's digits equal "
              f"mnist_dp predict's, probabilities within {worst:.1e}")

        driver.find_element(By.ID, "clear").click()
        pad = driver.find_element(By.ID, "pad")
        before = driver.execute_script("return window.mnistDp.results")
        # A "7": the top bar, then the diagonal (offsets from the pad's centre).
        (ActionChains(driver).move_to_element_with_offset(pad, -70, -90).click_and_hold()
         .move_by_offset(70, 0).move_by_offset(70, 0).move_by_offset(-35, 90)
         .move_by_offset(-35, 90).release().perform())
        drawn = page_result(driver, before)
        data_url = driver.execute_script("return document.getElementById('pad').toDataURL()")
        drawn_png = os.path.join(work, "drawn.png")
        with open(drawn_png, "wb") as f:
            f.write(base64.b64decode(data_url.split(",", 1)[1]))
        worst = compare("the drawn digit", drawn, predict(binary, checkpoints, [drawn_png], work)[0])
        print(f"check_web.py: a digit drawn with the mouse: the page says {drawn['digit']}, as "
              f"mnist_dp predict does on the pad's picture (probabilities within {worst:.1e})")
        if args.screenshot:
            driver.save_screenshot(args.screenshot)
    finally:
        if driver:
            driver.quit()
        if server:
            os.killpg(server.pid, 2)
            server.wait(30)
        shutil.rmtree(work)


if __name__ == "__main__":
    main()

// MNIST-style preprocessing of a drawn or opened digit, the same steps as
// src/data/digit_image.cpp (`mnist_dp predict` on an image file): grayscale,
// inverted if the background is light, cropped to the ink, fitted in 20x20 by
// area resampling, and centred by mass in 28x28. Every sum runs in the same
// order in double precision as the C++ code and rounding is floor(v + 0.5),
// so both make the same 28x28 bytes from the same picture; keep them in step.
'use strict';

const MnistDigit = (() => {
  const side = 28;
  const fitSide = 20;
  const inkThreshold = 64;

  const roundHalfUp = (v) => Math.floor(v + 0.5);

  // RGBA canvas pixels to 8-bit gray with stb_image's weights (alpha ignored).
  function grayFromRgba(rgba, width, height) {
    const gray = new Uint8Array(width * height);
    for (let i = 0; i < gray.length; ++i) {
      gray[i] = (rgba[4 * i] * 77 + rgba[4 * i + 1] * 150 + rgba[4 * i + 2] * 29) >> 8;
    }
    return gray;
  }

  function borderMean(g, w, h) {
    let sum = 0;
    let n = 0;
    for (let x = 0; x < w; ++x) {
      sum += g[x] + g[(h - 1) * w + x];
      n += 2;
    }
    for (let y = 0; y < h; ++y) {
      sum += g[y * w] + g[y * w + w - 1];
      n += 2;
    }
    return sum / n;
  }

  // Area resampling of one line, as resample_line in digit_image.cpp.
  function resampleLine(input, offset, from, stride, out, outOffset, to, outStride) {
    const step = from / to;
    for (let t = 0; t < to; ++t) {
      const lo = t * step;
      const hi = (t + 1) * step;
      let sum = 0;
      for (let s = Math.floor(lo); s < from && s < hi; ++s) {
        const covered = Math.min(hi, s + 1) - Math.max(lo, s);
        sum += covered * input[offset + s * stride];
      }
      out[outOffset + t * outStride] = sum / (hi - lo);
    }
  }

  function resampleArea(image, w, h, tw, th) {
    const input = Float64Array.from(image);
    const rows = new Float64Array(tw * h);
    const both = new Float64Array(tw * th);
    for (let y = 0; y < h; ++y) resampleLine(input, y * w, w, 1, rows, y * tw, tw, 1);
    for (let x = 0; x < tw; ++x) resampleLine(rows, x, h, tw, both, x, th, tw);
    const out = new Uint8Array(tw * th);
    for (let i = 0; i < out.length; ++i) out[i] = Math.min(255, roundHalfUp(both[i]));
    return out;
  }

  // 784 bytes, row-major, white digit on black; null if there is no ink.
  function mnistStyle(gray, width, height) {
    const g = Uint8Array.from(gray);
    if (borderMean(g, width, height) > 127.0) {
      for (let i = 0; i < g.length; ++i) g[i] = 255 - g[i];
    }
    let x0 = width, y0 = height, x1 = 0, y1 = 0;
    for (let y = 0; y < height; ++y) {
      for (let x = 0; x < width; ++x) {
        if (g[y * width + x] < inkThreshold) continue;
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
    }
    if (x0 > x1) return null;
    const cw = x1 - x0 + 1;
    const ch = y1 - y0 + 1;
    const crop = new Uint8Array(cw * ch);
    for (let y = 0; y < ch; ++y) {
      crop.set(g.subarray((y0 + y) * width + x0, (y0 + y) * width + x0 + cw), y * cw);
    }
    const scale = fitSide / Math.max(cw, ch);
    const fw = Math.max(1, roundHalfUp(cw * scale));
    const fh = Math.max(1, roundHalfUp(ch * scale));
    const fitted = resampleArea(crop, cw, ch, fw, fh);
    let mass = 0, mx = 0, my = 0;
    for (let y = 0; y < fh; ++y) {
      for (let x = 0; x < fw; ++x) {
        const v = fitted[y * fw + x];
        mass += v;
        mx += v * x;
        my += v * y;
      }
    }
    const centre = (side - 1) / 2.0;
    const dx = mass > 0 ? roundHalfUp(centre - mx / mass) : 4;
    const dy = mass > 0 ? roundHalfUp(centre - my / mass) : 4;
    const out = new Uint8Array(side * side);
    for (let y = 0; y < fh; ++y) {
      for (let x = 0; x < fw; ++x) {
        const tx = x + dx;
        const ty = y + dy;
        if (tx < 0 || ty < 0 || tx >= side || ty >= side) continue;
        out[ty * side + tx] = fitted[y * fw + x];
      }
    }
    return out;
  }

  return {side, grayFromRgba, mnistStyle};
})();

if (typeof module !== 'undefined') module.exports = MnistDigit;

// Loads a TensorFlow.js layers model (model.json + weights) with
// @tensorflow/tfjs's pure-JavaScript CPU backend in node, and prints the
// predicted digit of each of the first COUNT images of an IDX file, one per
// line. Pixels are scaled to [0, 1], as mnist_dp's data path does.
// Usage: node predict_tfjs.mjs MODEL_DIR IDX_IMAGES COUNT   (NODE_PATH: tfjs)
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');

const [modelDir, idxPath, countText] = process.argv.slice(2);
const count = Number(countText);
const model = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
const manifest = model.weightsManifest[0];
const bin = fs.readFileSync(path.join(modelDir, manifest.paths[0]));
const loaded = await tf.loadLayersModel(tf.io.fromMemory({
  modelTopology: model.modelTopology,
  weightSpecs: manifest.weights,
  weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
}));

const idx = fs.readFileSync(idxPath);
if (idx.readUInt32BE(0) !== 0x803) throw new Error(`${idxPath}: not an IDX image file`);
const pixels = idx.readUInt32BE(8) * idx.readUInt32BE(12);
const x = new Float32Array(count * pixels);
for (let i = 0; i < x.length; ++i) x[i] = idx[16 + i] / 255;
await tf.setBackend('cpu');
const predicted = loaded.predict(tf.tensor2d(x, [count, pixels])).argMax(1).dataSync();
process.stdout.write(Array.from(predicted).join('\n') + '\n');

// The digit page: a drawing pad and an image opener, each turned into a
// 28x28 MNIST-style input (digit.js), classified by the TensorFlow.js export
// in model/ (`mnist_dp export --format tfjs`). The latest result is also kept
// in window.mnistDp.last for tests: {digit, probabilities, pixels}.
'use strict';

(() => {
  const pad = document.getElementById('pad');
  const seen = document.getElementById('seen');
  const status = document.getElementById('status');
  const answer = document.getElementById('answer');
  const table = document.getElementById('probabilities');
  const padContext = pad.getContext('2d', {willReadFrequently: true});
  const readyText = 'Draw a digit in the black square, or open a picture of one.';
  const api = {last: null, results: 0};
  window.mnistDp = api;

  for (let c = 0; c < 10; ++c) {
    const row = table.insertRow();
    row.insertCell().textContent = c;
    row.insertCell().className = 'bar';
    row.cells[1].appendChild(document.createElement('div'));
    row.insertCell().className = 'p';
  }

  function clearPad() {
    padContext.fillStyle = '#000';
    padContext.fillRect(0, 0, pad.width, pad.height);
  }

  function showSeen(pixels) {
    const small = new ImageData(MnistDigit.side, MnistDigit.side);
    for (let i = 0; i < pixels.length; ++i) {
      small.data.set([pixels[i], pixels[i], pixels[i], 255], 4 * i);
    }
    const scratch = document.createElement('canvas');
    scratch.width = scratch.height = MnistDigit.side;
    scratch.getContext('2d').putImageData(small, 0, 0);
    const context = seen.getContext('2d');
    context.imageSmoothingEnabled = false;
    context.drawImage(scratch, 0, 0, seen.width, seen.height);
  }

  function showProbabilities(probabilities, digit) {
    for (let c = 0; c < 10; ++c) {
      const row = table.rows[c];
      row.className = c === digit ? 'top' : '';
      row.cells[1].firstChild.style.width = `${(100 * probabilities[c]).toFixed(1)}%`;
      row.cells[2].textContent = probabilities[c].toFixed(3);
    }
  }

  // Classifies an RGBA picture; returns the result, or null if it is blank.
  function classify(rgba, width, height) {
    const pixels = MnistDigit.mnistStyle(MnistDigit.grayFromRgba(rgba, width, height), width, height);
    if (!pixels) {
      status.textContent = 'No ink found: draw a digit, or open a picture with one.';
      return null;
    }
    const input = tf.tensor2d(Float32Array.from(pixels, (v) => v / 255), [1, pixels.length]);
    const output = api.model.predict(input);
    const probabilities = Array.from(output.dataSync());
    tf.dispose([input, output]);
    const digit = probabilities.indexOf(Math.max(...probabilities));
    status.textContent = readyText;
    showSeen(pixels);
    showProbabilities(probabilities, digit);
    answer.textContent = String(digit);
    api.last = {digit, probabilities, pixels: Array.from(pixels)};
    api.results += 1;
    return api.last;
  }

  function classifyPad() {
    return classify(padContext.getImageData(0, 0, pad.width, pad.height).data, pad.width, pad.height);
  }

  // An opened image is classified at its own size, as `mnist_dp predict
  // IMAGE` does, and shown on the pad.
  function classifyImage(image) {
    const scratch = document.createElement('canvas');
    scratch.width = image.naturalWidth;
    scratch.height = image.naturalHeight;
    const context = scratch.getContext('2d', {willReadFrequently: true});
    context.drawImage(image, 0, 0);
    const result = classify(context.getImageData(0, 0, scratch.width, scratch.height).data,
                            scratch.width, scratch.height);
    clearPad();
    padContext.imageSmoothingEnabled = true;
    const fit = Math.min(pad.width / scratch.width, pad.height / scratch.height);
    padContext.drawImage(scratch, 0, 0, scratch.width * fit, scratch.height * fit);
    return result;
  }

  function openFile(file) {
    const image = new Image();
    image.onload = () => {
      classifyImage(image);
      URL.revokeObjectURL(image.src);
    };
    image.onerror = () => { status.textContent = `${file.name}: cannot read as an image`; };
    image.src = URL.createObjectURL(file);
  }

  let drawing = false;
  function padPoint(event) {
    const box = pad.getBoundingClientRect();
    return [(event.clientX - box.left) * pad.width / box.width,
            (event.clientY - box.top) * pad.height / box.height];
  }
  pad.addEventListener('pointerdown', (event) => {
    drawing = true;
    pad.setPointerCapture(event.pointerId);
    padContext.beginPath();
    padContext.moveTo(...padPoint(event));
  });
  pad.addEventListener('pointermove', (event) => {
    if (!drawing) return;
    padContext.lineTo(...padPoint(event));
    padContext.stroke();
  });
  const endStroke = () => {
    if (!drawing) return;
    drawing = false;
    if (api.model) classifyPad();
  };
  pad.addEventListener('pointerup', endStroke);
  pad.addEventListener('pointercancel', endStroke);
  document.getElementById('clear').addEventListener('click', () => {
    clearPad();
    seen.getContext('2d').clearRect(0, 0, seen.width, seen.height);
    showProbabilities(new Array(10).fill(0), -1);
    answer.textContent = '\u00a0';
    api.last = null;
  });
  document.getElementById('file').addEventListener('change', (event) => {
    if (event.target.files.length) openFile(event.target.files[0]);
    event.target.value = '';
  });

  clearPad();
  padContext.strokeStyle = '#fff';
  padContext.lineWidth = 20;
  padContext.lineCap = padContext.lineJoin = 'round';

  api.ready = (async () => {
    await tf.setBackend('cpu');
    api.model = await tf.loadLayersModel('model/model.json');
    status.textContent = readyText;
  })().catch((error) => {
    status.textContent = `Cannot load model/model.json: ${error.message}`;
    throw error;
  });
})();

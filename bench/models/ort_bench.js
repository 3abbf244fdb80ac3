// ONNX Runtime's latency on a model, the baseline of bench/models/run_benchmark.sh.
//   node ort_bench.js MODEL.onnx INPUT_SHAPE THREADS [REPEATS]     (INPUT_SHAPE: 1,3,224,224)
// Needs onnxruntime-node (npm install --ignore-scripts onnxruntime-node: its install script
// fetches GPU files from a host these machines cannot reach; the CPU library is in the
// package). Prints "ort THREADS threads: median X ms, min Y ms over N runs".
const ort = require('onnxruntime-node');

async function main() {
  const [model, shapeText, threadsText, repeatsText] = process.argv.slice(2);
  const shape = shapeText.split(',').map(Number);
  const threads = Number(threadsText);
  const repeats = Number(repeatsText || 20);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; ++i) data[i] = Math.sin(i) ;
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, shape)};
  for (let i = 0; i < 3; ++i) await session.run(feeds);  // warm-up
  const times = [];
  for (let i = 0; i < repeats; ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(`ort ${threads} threads: median ${times[Math.floor(times.length / 2)].toFixed(3)} ms, ` +
              `min ${times[0].toFixed(3)} ms over ${times.length} runs`);
}
main().catch((e) => { console.error(e); process.exit(1); });

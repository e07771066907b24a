// Builds the ONNX file of the benchmark model Embedding -> LSTM -> Dense(softmax) from Keras-layout
// weights (the graph and its encoding: bench/_onnx.mjs). Used by bench/lstm.mjs to run the same
// model, with the same weights, on onnxruntime-web.
//
// Keras keeps the gates as column blocks i, f, c, o of kernel (E, 4H) and recurrent_kernel (H, 4H);
// ONNX wants row blocks i, o, f, c of W and R (transposed), and B = [Wb, Rb] with Rb = 0 here.
import { recurrentClassifierOnnx } from './_onnx.mjs';

/**
 * weights: { embeddings (V, E), kernel (E, 4H), recurrentKernel (H, 4H), bias (4H), denseKernel (H, C),
 * denseBias (C) } as flat Float32Arrays in Keras layout, plus V, E, H, C. Returns the .onnx bytes.
 */
export function lstmClassifierOnnx({ V, E, H, C, embeddings, kernel, recurrentKernel, bias, denseKernel, denseBias }) {
  const G = 4 * H;
  // ONNX gate block g (i, o, f, c) comes from Keras block KERAS[g] (Keras order i, f, c, o)
  const KERAS = [0, 3, 1, 2];
  const W = new Float32Array(G * E), R = new Float32Array(G * H), Bias = new Float32Array(2 * G);
  for (let g = 0; g < 4; g++) {
    const k = KERAS[g];
    for (let j = 0; j < H; j++) {
      const row = g * H + j, col = k * H + j;
      for (let e = 0; e < E; e++) W[row * E + e] = kernel[e * G + col];
      for (let h = 0; h < H; h++) R[row * H + h] = recurrentKernel[h * G + col];
      Bias[row] = bias[col];   // Wb; Rb (Bias[G + row]) stays 0
    }
  }
  return recurrentClassifierOnnx({ op: 'LSTM', V, E, H, C, G, embeddings, W, R, Bias, name: 'embedding_lstm_dense', denseKernel, denseBias });
}

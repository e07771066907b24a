// The model file: safetensors layout, the .wnn format, node file helpers, tfjs-layers import.
export { encodeSafetensors, decodeSafetensors, WnnFormatError, type SafeTensorIn, type SafeTensorOut, type SafeDType, type SafeData } from './safetensors.js';
export { QUANTIZATIONS, type Quantization } from './quantize.js';
export { readModelSource, type ModelSource } from './source.js';
export { WNN_FORMAT_VERSION, encodeWnn, decodeWnn, loadModel, type WnnContents, type WnnContentsIn, type DecodeOptions } from './wnn.js';
export { writeFileAtomic, saveModel } from './node.js';
export { importTfjsModel, type TfjsModelJson, type TfjsWeights, type TfjsWeightSpec, type ImportOptions } from './tfjs.js';

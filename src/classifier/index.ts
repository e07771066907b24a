// Text classifiers: TextClassifier (inference, save/load) and trainTextClassifier (training).
export { TextClassifier, type Prediction, type PredictOptions, type ToBytesOptions, type LoadOptions } from './text_classifier.js';
export { trainTextClassifier, labelOrder, resumeState, TrainingInterrupted, ValidationSplitError, ResumeSettingsError, type TrainOptions, type TrainResult, type Checkpoint, type StartInfo, type TrainingState } from './train.js';
export { ARCHITECTURES, ARCH_NAMES, DEFAULT_ARCH, type ArchName, type ArchSettings, type Architecture } from './architectures.js';

export declare const SPAM_LABELS: string[];
export interface SpamSplit { trainTexts: string[]; trainLabels: Int32Array; testTexts: string[]; testLabels: Int32Array }
export declare function spamAssassin(seed?: number, testFraction?: number): SpamSplit;

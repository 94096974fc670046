import { writeFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type Dim = number | string;

const valueInfo = (name: string, dims: Dim[]) => ({
  name,
  type: {
    tensorType: {
      elemType: onnx.TensorProto.DataType.FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  },
});
const ints = (name: string, v: number[]) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
const int = (name: string, v: number) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: v });
const floatTensor = (name: string, dims: number[], data: number[]) => ({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: data });

function encodeModel(graph: object): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'gemdepth-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

export interface WindowedModelSpec {
  T: number;
  inputName?: string;
  outputName?: string;
  posesName?: string;
  /** Rank of the declared input (5 is right; others build a deliberately wrong model). */
  inputRank?: 4 | 5;
}

/**
 * A small windowed "depth network": disparity = gain[slot] * mean over RGB + 0.1, so each window slot
 * has its own scale (the stitcher has real work to do) while the truth per frame stays known; poses
 * [1,T,9] = the frame's mean colour repeated. Input [1,T,3,h,w] with T static, h and w symbolic.
 */
export function windowedModel(spec: WindowedModelSpec): { bytes: Uint8Array; gains: number[] } {
  const T = spec.T;
  const inName = spec.inputName ?? 'images';
  const outName = spec.outputName ?? 'depth';
  const gains = Array.from({ length: T }, (_v, i) => 1 + 0.15 * i);
  const rank4 = spec.inputRank === 4;
  const nodes: object[] = [
    { opType: 'ReduceMean', input: [inName], output: ['m'], attribute: [ints('axes', [rank4 ? 1 : 2]), int('keepdims', 0)] },
    { opType: 'Mul', input: ['m', 'gain'], output: ['g'] },
    { opType: 'Add', input: ['g', 'bias'], output: [outName] },
  ];
  const outputs = [valueInfo(outName, rank4 ? [1, 'h', 'w'] : [1, T, 'h', 'w'])];
  if (spec.posesName) {
    nodes.push(
      { opType: 'ReduceMean', input: [inName], output: ['pm'], attribute: [ints('axes', [3, 4]), int('keepdims', 0)] },
      { opType: 'Concat', input: ['pm', 'pm', 'pm'], output: [spec.posesName], attribute: [int('axis', 2)] },
    );
    outputs.push(valueInfo(spec.posesName, [1, T, 9]));
  }
  const graph = {
    name: 'windowed-test',
    node: nodes,
    initializer: [floatTensor('gain', rank4 ? [1, 1, 1] : [1, T, 1, 1], rank4 ? [1] : gains), floatTensor('bias', [1], [0.1])],
    input: [valueInfo(inName, rank4 ? [1, 3, 'h', 'w'] : [1, T, 3, 'h', 'w'])],
    output: outputs,
  };
  return { bytes: encodeModel(graph), gains };
}

export async function writeModel(path: string, bytes: Uint8Array): Promise<string> {
  await writeFile(path, bytes);
  return path;
}

/** The manifest (as JSON) that describes `windowedModel`'s graph: one place for both tests that need it. */
export function windowedManifestJson(preset: { T: number; overlap: number; keyframes: number[]; interpLen: number } | unknown) {
  return {
    id: 'test-windowed',
    name: 'windowed test model',
    file: 'test-windowed.onnx',
    licence: { id: 'MIT', commercialUse: true, url: 'https://example.org/licence' },
    source: { url: 'https://example.org/model', note: 'built by the test suite' },
    kind: 'windowed',
    input: { name: 'images', layout: 'NTCHW', rank: 5 },
    output: { name: 'depth', rank: 4 },
    poses: { name: 'poses' },
    size: { multiple: 32, maxSide: 128 },
    normalisation: 'unit',
    outputKind: 'relative-inverse',
    window: { default: 'small', presets: { small: preset } },
  };
}

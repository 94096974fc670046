#!/usr/bin/env python3
"""Convert the OpenMV / STM32 model-zoo FastDepth int8 TFLite into a QDQ int8 ONNX.

    python3 research/convert-fastdepth-int8.py ../shared/models/fastdepth/fast_depth_224.tflite \
        models/fastdepth-int8.onnx

Needs only Debian packages (no PyPI): python3-numpy, python3-onnx, python3-flatbuffers
(run it with /usr/bin/python3 where a pyenv python shadows the system one).

The TFLite file is read with a small hand-written reader of the fields this graph uses (slot numbers from
tensorflow/lite/schema/schema.fbs), so neither flatc nor the schema file is needed.

What the conversion keeps and why:
- every weight stays the TFLite's int8 value with its per-channel scale (DequantizeLinear, axis 0), every bias its
  int32 value and scale, every activation its int8 scale and zero point (QuantizeLinear -> DequantizeLinear), so
  onnxruntime's QDQ fusion runs the network on its int8 kernels (QLinearConv, QLinearAdd, uint8 Resize). The
  activations are stored as uint8 with the zero point moved by 128 (the same real values): onnxruntime's x86
  kernels take uint8 activations with int8 weights. No TFLite interpreter was at hand to compare with, so
  the check is indirect: with --float-activations the graph reproduces the shared fp32 ONNX (converted from
  the same file) to 1e-7, and with int8 activations it differs from it by the activations' rounding only;
- TFLite's explicit zero-padding ops are folded into each convolution's pads (a padded int8 zero is the zero point,
  which is what QLinearConv pads with);
- the fixed 224x224 resize sizes become x2 scales, so height and width are symbolic (each a multiple of 32);
- NHWC weights become NCHW; the uint8 input step (x/255) becomes a float input in [0, 1] quantised with the
  TFLite's own scale and zero point, so the model takes the same input as the shared fp32 ONNX;
- the TFLite requantises its depth output to uint8 steps of 7 cm; by default the last 1x1 convolution's result is
  left in float (its inputs and weights are still int8) so depth is not banded in 7 cm steps. --int8-output keeps
  the TFLite's final quantisation instead.
"""
import argparse
import hashlib
import sys

import flatbuffers
import numpy as np
import onnx
from flatbuffers import number_types as N
from flatbuffers.table import Table
from onnx import TensorProto, helper, numpy_helper

# BuiltinOperator codes used by this graph (schema.fbs)
ADD, CONV_2D, DEPTHWISE_CONV_2D, PAD, QUANTIZE, RESIZE_NEAREST_NEIGHBOR = 0, 3, 4, 34, 114, 97
INT8, UINT8, INT32 = 9, 3, 2  # TensorType
ACT_NONE, ACT_RELU, ACT_RELU6 = 0, 1, 3  # ActivationFunctionType
PADDING_VALID = 1


# --- a minimal flatbuffer reader for the TFLite tables this graph uses ------------------------------------------
def _off(t, slot):
    return t.Offset(4 + 2 * slot)


def _scalar(t, slot, flags, default=0):
    o = _off(t, slot)
    return t.Get(flags, o + t.Pos) if o else default


def _table(t, slot):
    o = _off(t, slot)
    return Table(t.Bytes, t.Indirect(o + t.Pos)) if o else None


def _tables(t, slot):
    o = _off(t, slot)
    if not o:
        return []
    start = t.Vector(o)
    return [Table(t.Bytes, t.Indirect(start + 4 * k)) for k in range(t.VectorLen(o))]


def _vector(t, slot, dtype):
    o = _off(t, slot) if t is not None else 0
    if not o:
        return np.zeros(0, dtype)
    return np.frombuffer(t.Bytes, dtype=dtype, count=t.VectorLen(o), offset=t.Vector(o)).copy()


def _string(t, slot):
    o = _off(t, slot)
    return t.String(o + t.Pos).decode() if o else ""


class TfliteTensor:
    def __init__(self, t, buffers):
        self.name = _string(t, 3)
        self.shape = _vector(t, 0, "<i4")
        self.type = _scalar(t, 1, N.Int8Flags)
        self.data = _vector(buffers[_scalar(t, 2, N.Uint32Flags)], 0, "u1")
        q = _table(t, 4)
        self.scale = _vector(q, 2, "<f4")
        self.zero_point = _vector(q, 3, "<i8")
        self.axis = _scalar(q, 6, N.Int32Flags) if q is not None else 0

    def values(self):
        dtype = {INT8: "i1", UINT8: "u1", INT32: "<i4"}[self.type]
        return self.data.view(dtype).reshape(self.shape)


class TfliteOp:
    def __init__(self, op, codes):
        self.code = codes[_scalar(op, 0, N.Uint32Flags)]
        self.inputs = list(_vector(op, 1, "<i4"))
        self.outputs = list(_vector(op, 2, "<i4"))
        self.options = _table(op, 4)


def read_tflite(data):
    if data[4:8] != b"TFL3":
        sys.exit("not a TFLite flatbuffer (no TFL3 identifier)")
    model = Table(data, flatbuffers.encode.Get(flatbuffers.packer.uoffset, data, 0))
    # OperatorCode: deprecated_builtin_code (byte, slot 0) and, in newer files, builtin_code (int, slot 3)
    codes = [max(_scalar(c, 0, N.Int8Flags), _scalar(c, 3, N.Int32Flags)) for c in _tables(model, 1)]
    subgraphs = _tables(model, 2)
    if len(subgraphs) != 1:
        sys.exit(f"expected one subgraph, found {len(subgraphs)}")
    buffers = _tables(model, 4)
    sg = subgraphs[0]
    tensors = [TfliteTensor(t, buffers) for t in _tables(sg, 0)]
    ops = [TfliteOp(o, codes) for o in _tables(sg, 3)]
    return tensors, ops, list(_vector(sg, 1, "<i4")), list(_vector(sg, 2, "<i4"))


# --- the ONNX graph ----------------------------------------------------------------------------------------------
class Builder:
    def __init__(self, float_activations):
        self.nodes, self.inits = [], []
        self.float_activations = float_activations

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op, inputs, output, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def qdq(self, x, tensor, name):
        """Quantise x to the TFLite tensor's grid and back (per-tensor), as uint8 with the zero point moved by
        128 (q + 128 with zp + 128: the same real values): with int8 activations onnxruntime's x86 build
        leaves some convolutions in float."""
        if self.float_activations:
            return x
        scale = self.const(name + "_scale", np.float32(tensor.scale[0]))
        zp = self.const(name + "_zp", np.uint8(int(tensor.zero_point[0]) + 128))
        q = self.node("QuantizeLinear", [x, scale, zp], name + "_q")
        return self.node("DequantizeLinear", [q, scale, zp], name)

    def dq_per_channel(self, name, values, scales, dtype):
        q = self.const(name + "_q", values.astype(dtype))
        s = self.const(name + "_scale", scales.astype(np.float32))
        zp = self.const(name + "_zp", np.zeros(len(scales), dtype))
        return self.node("DequantizeLinear", [q, s, zp], name, axis=0)


def convert(tensors, ops, graph_inputs, graph_outputs, int8_output, float_activations=False):
    b = Builder(float_activations)
    names = {}  # TFLite tensor index -> ONNX float tensor name (already quantised and dequantised)
    pads = {}  # TFLite tensor index -> symmetric spatial pads still to fold into the next convolution
    conv_count = 0
    last_conv = max(i for i, op in enumerate(ops) if op.code in (CONV_2D, DEPTHWISE_CONV_2D))

    for i, op in enumerate(ops):
        out = op.outputs[0]
        t_out = tensors[out]
        if op.code == QUANTIZE and op.inputs[0] in graph_inputs:
            t_in = tensors[op.inputs[0]]
            # uint8 pixel q with scale 1/255 is x = q/255 in [0, 1], the shared fp32 model's input
            assert t_in.type == UINT8 and t_in.zero_point[0] == 0
            names[out] = b.qdq("input", t_out, "input_qdq")
        elif op.code == QUANTIZE and out in graph_outputs:
            # int8 -> uint8 with the same scale: a change of zero point only, no new rounding
            assert np.allclose(t_out.scale, tensors[op.inputs[0]].scale)
            names[out] = names[op.inputs[0]]
        elif op.code == PAD:
            p = tensors[op.inputs[1]].values().reshape(4, 2)  # NHWC [before, after]
            assert (p[0] == 0).all() and (p[3] == 0).all() and tensors[out].zero_point[0] == tensors[op.inputs[0]].zero_point[0]
            pads[out] = (op.inputs[0], [int(p[1, 0]), int(p[2, 0]), int(p[1, 1]), int(p[2, 1])])
            names[out] = None
        elif op.code in (CONV_2D, DEPTHWISE_CONV_2D):
            conv_count += 1
            name = f"conv{conv_count}"
            src, pad = pads.get(op.inputs[0], (op.inputs[0], [0, 0, 0, 0]))
            t_in, t_w, t_b = tensors[src], tensors[op.inputs[1]], tensors[op.inputs[2]]
            o = op.options
            assert _scalar(o, 0, N.Int8Flags) == PADDING_VALID
            stride = [_scalar(o, 2, N.Int32Flags), _scalar(o, 1, N.Int32Flags)]
            w = t_w.values()
            if op.code == CONV_2D:
                act = _scalar(o, 3, N.Int8Flags)
                assert _scalar(o, 4, N.Int32Flags, 1) == 1 and _scalar(o, 5, N.Int32Flags, 1) == 1
                weights = w.transpose(0, 3, 1, 2)  # OHWI -> OIHW
                group = 1
            else:
                act = _scalar(o, 4, N.Int8Flags)
                assert _scalar(o, 3, N.Int32Flags) == 1 and t_w.axis == 3
                weights = w.transpose(3, 0, 1, 2)  # 1HWC -> C1HW
                group = weights.shape[0]
            # the bias scale is input scale x weight scale, as int8 kernels require
            assert np.allclose(t_b.scale, t_in.scale[0] * t_w.scale, rtol=1e-5)
            w_name = b.dq_per_channel(name + "_W", weights, t_w.scale, np.int8)
            b_name = b.dq_per_channel(name + "_B", t_b.values(), t_b.scale, np.int32)
            y = b.node("Conv", [names[src], w_name, b_name], name + "_conv", kernel_shape=list(weights.shape[2:]),
                       strides=stride, pads=pad, group=group)
            if act == ACT_RELU6:
                y = b.node("Clip", [y, b.const(name + "_lo", np.float32(0)), b.const(name + "_hi", np.float32(6))],
                           name + "_relu6")
            elif act == ACT_RELU:
                y = b.node("Relu", [y], name + "_relu")
            else:
                assert act == ACT_NONE
            names[out] = y if (i == last_conv and not int8_output) else b.qdq(y, t_out, name)
        elif op.code == RESIZE_NEAREST_NEIGHBOR:
            t_in = tensors[op.inputs[0]]
            assert _scalar(op.options, 0, N.BoolFlags) == 0 and _scalar(op.options, 1, N.BoolFlags) == 0
            assert np.allclose(t_in.scale, t_out.scale) and (t_in.zero_point == t_out.zero_point).all()
            factor = t_out.shape[1:3] / t_in.shape[1:3]
            scales = b.const(f"resize{i}_scales", np.array([1, 1, factor[0], factor[1]], np.float32))
            # TFLite's nearest resize without align_corners/half_pixel_centers: source pixel floor(x / 2)
            y = b.node("Resize", [names[op.inputs[0]], "", scales], f"resize{i}", mode="nearest",
                       coordinate_transformation_mode="asymmetric", nearest_mode="floor")
            names[out] = b.qdq(y, t_out, f"resize{i}_out")
        elif op.code == ADD:
            assert _scalar(op.options, 0, N.Int8Flags) == ACT_NONE
            y = b.node("Add", [names[op.inputs[0]], names[op.inputs[1]]], f"add{i}")
            names[out] = b.qdq(y, t_out, f"add{i}_out")
        else:
            sys.exit(f"operator code {op.code} is not handled by this converter")

    final = b.node("Identity", [names[graph_outputs[0]]], "depth")
    assert final == "depth"
    graph = helper.make_graph(
        b.nodes, "fastdepth_int8",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, "height", "width"])],
        [helper.make_tensor_value_info("depth", TensorProto.FLOAT, [1, 1, "height", "width"])],
        b.inits)
    return graph


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tflite")
    ap.add_argument("onnx")
    ap.add_argument("--int8-output", action="store_true", help="keep the TFLite's 7 cm output quantisation")
    ap.add_argument("--float-activations", action="store_true",
                    help="check of the graph itself: int8 weights, float activations (should match the shared fp32 ONNX)")
    args = ap.parse_args()
    data = open(args.tflite, "rb").read()
    graph = convert(*read_tflite(data), args.int8_output, args.float_activations)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="research/convert-fastdepth-int8.py", producer_version="1")
    model.ir_version = 7
    model.doc_string = ("FastDepth (dwofk/fast-depth, MIT) int8 weights from the STM32 model zoo (Apache-2.0) as committed "
                        "in openmv/openmv lib/models/fast_depth_224.tflite; converted to QDQ ONNX by this project.")
    helper.set_model_props(model, {"source_tflite_sha256": hashlib.sha256(data).hexdigest(),
                                   "output": "int8" if args.int8_output else "float",
                                   "activations": "float" if args.float_activations else "int8"})
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, args.onnx)
    print(f"{args.onnx}: {len(graph.node)} nodes, {len(open(args.onnx, 'rb').read())} bytes")


if __name__ == "__main__":
    main()

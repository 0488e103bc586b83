#!/usr/bin/python3
"""Writes a folder's onnx/model_quantized.onnx from its onnx/model.onnx the way onnxruntime's
quantize_dynamic does for the Hub's exports (weights int8 symmetric per tensor, its defaults, or
with --per-channel uint8 asymmetric per output column in 7 bits, per_channel and reduce_range as
transformers.js's converter sets them; activations quantized at run time by
DynamicQuantizeLinear, uint8), so the loader and onnxruntime can be tested on the forms real
quantized exports have (onnxruntime's Python package is not in Debian):

  MatMul(x, W)    -> DynamicQuantizeLinear(x) -> (xq, xs, xz)   (one per activation, shared)
                     MatMulInteger(xq, Wq, xz, Wz) -> Cast(float) -> Mul(., Mul(xs, Ws))
  MatMul(x, y)    -> the same with a DynamicQuantizeLinear on both sides (attention)
  Gather(E, ids)  -> Gather(Eq, ids) -> DequantizeLinear(., Es, Ez)   (uint8, asymmetric)

and onnx/model_dequantized.onnx: the float graph with every quantized tensor replaced by its
dequantized values, (q - zero_point) * scale in float32, as ONNX's DequantizeLinear defines
them: what a loader must read the quantized file's weights as, bit for bit.

Usage: quantize_onnx.py FOLDER [--per-channel]
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def dequantized(q, zero_point, scale):
    """(q - zero_point) * scale in float32; per column, zero_point and scale broadcast over rows."""
    diff = q.astype(np.int32) - np.asarray(zero_point).astype(np.int32)
    return diff.astype(np.float32) * np.asarray(scale, dtype=np.float32)


def main(folder, per_channel):
    src = os.path.join(folder, "onnx", "model.onnx")
    model = onnx.load(src)
    reference = onnx.load(src)
    graph = model.graph
    floats = {t.name: t for t in graph.initializer if t.data_type == TensorProto.FLOAT}
    reference_inits = {t.name: t for t in reference.graph.initializer}
    nodes, added = [], []
    activations = {}  # float value -> its DynamicQuantizeLinear's (q, scale, zero point)

    def replace_reference(name, values):
        reference_inits[name].CopyFrom(numpy_helper.from_array(values, name))

    def quantize_activation(x):
        if x not in activations:
            out = (x + "_quantized", x + "_scale", x + "_zero_point")
            nodes.append(helper.make_node("DynamicQuantizeLinear", [x], list(out), name=x + "_QuantizeLinear"))
            activations[x] = out
        return activations[x]

    def quantize_weight(name):
        w = numpy_helper.to_array(floats[name]).astype(np.float32)  # [in, out]
        if per_channel:  # uint8 per output column, 7 bits (reduce_range): 0..127
            lo = np.minimum(w.min(axis=0), 0.0)
            hi = np.maximum(w.max(axis=0), 0.0)
            scale = (np.maximum(hi - lo, 1e-12) / 127.0).astype(np.float32)
            zero = np.clip(np.rint(-lo / scale), 0, 127).astype(np.uint8)
            q = np.clip(np.rint(w / scale) + zero, 0, 127).astype(np.uint8)
        else:
            scale = np.float32(max(float(np.abs(w).max()), 1e-12) / 127.0)
            zero = np.int8(0)
            q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
        added.append(numpy_helper.from_array(q, name + "_quantized"))
        added.append(numpy_helper.from_array(np.asarray(scale, dtype=np.float32), name + "_scale"))
        added.append(numpy_helper.from_array(np.asarray(zero, dtype=q.dtype), name + "_zero_point"))
        replace_reference(name, dequantized(q, zero, scale))
        return name + "_quantized", name + "_scale", name + "_zero_point"

    def quantize_table(name):
        e = numpy_helper.to_array(floats[name]).astype(np.float32)
        lo, hi = min(0.0, float(e.min())), max(0.0, float(e.max()))
        scale = np.float32(max(hi - lo, 1e-12) / 255.0)
        zero = int(np.clip(np.rint(-lo / scale), 0, 255))
        q = np.clip(np.rint(e / scale) + zero, 0, 255).astype(np.uint8)
        added.append(numpy_helper.from_array(q, name + "_quantized"))
        added.append(numpy_helper.from_array(np.array(scale, dtype=np.float32), name + "_scale"))
        added.append(numpy_helper.from_array(np.array(zero, dtype=np.uint8), name + "_zero_point"))
        replace_reference(name, dequantized(q, zero, scale))
        return name + "_quantized", name + "_scale", name + "_zero_point"

    quantized_tables = {}
    for node in graph.node:
        if node.op_type == "MatMul":
            a, b = node.input
            aq, a_scale, a_zero = quantize_activation(a)
            if b in floats and len(floats[b].dims) == 2:
                bq, b_scale, b_zero = quantize_weight(b)
            else:
                bq, b_scale, b_zero = quantize_activation(b)
            out = node.output[0]
            nodes.append(helper.make_node("MatMulInteger", [aq, bq, a_zero, b_zero], [out + "_quantized"],
                                          name=node.name + "_quant"))
            nodes.append(helper.make_node("Cast", [out + "_quantized"], [out + "_cast"], to=TensorProto.FLOAT,
                                          name=node.name + "_cast"))
            nodes.append(helper.make_node("Mul", [a_scale, b_scale], [out + "_scales"], name=node.name + "_scales"))
            nodes.append(helper.make_node("Mul", [out + "_cast", out + "_scales"], [out], name=node.name + "_output"))
        elif node.op_type == "Gather" and node.input[0] in floats:
            table = node.input[0]
            if table not in quantized_tables:
                quantized_tables[table] = quantize_table(table)
            tq, t_scale, t_zero = quantized_tables[table]
            out = node.output[0]
            nodes.append(helper.make_node("Gather", [tq, node.input[1]], [out + "_quantized"], name=node.name,
                                          **{a.name: helper.get_attribute_value(a) for a in node.attribute}))
            nodes.append(helper.make_node("DequantizeLinear", [out + "_quantized", t_scale, t_zero], [out],
                                          name=node.name + "_dequantize"))
        else:
            nodes.append(node)

    used = {i for n in nodes for i in n.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + added)
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(folder, "onnx", "model_quantized.onnx"))
    onnx.save(reference, os.path.join(folder, "onnx", "model_dequantized.onnx"))
    print("quantize_onnx: %d MatMuls, %d tables" % (sum(n.op_type == "MatMulInteger" for n in nodes),
                                                     len(quantized_tables)))


if __name__ == "__main__":
    main(sys.argv[1], "--per-channel" in sys.argv[2:])

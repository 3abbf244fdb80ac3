#!/usr/bin/env python3
"""Exports the benchmark models to ONNX with one reference input and output each.

    /usr/bin/python3 bench/models/export_models.py OUT_DIR [--models resnet18,mobilenet_v2,...]

Uses Debian's python3-torch / python3-torchvision (the benchmark installs them; the tests do
not need them). Weights are random with a fixed seed: the benchmark measures speed and
checks the result against PyTorch's, not accuracy. Writes OUT_DIR/NAME.onnx, and
OUT_DIR/NAME.input.pb / NAME.output.pb (serialized ONNX TensorProtos, as the ONNX test
data is), for `tessera run-model --input ... --check --expected ...`.
"""
import argparse
import os
import struct

import torch
import torchvision


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def tensor_proto(name, array):
    """A TensorProto (float32) without the onnx package: dims=1, data_type=2, name=8, raw_data=9."""
    array = array.detach().contiguous().to(torch.float32)
    body = bytearray()
    for d in array.shape:
        body += b"\x08" + varint(d)
    body += b"\x10" + varint(1)  # FLOAT
    encoded = name.encode()
    body += b"\x42" + varint(len(encoded)) + encoded
    raw = array.numpy().tobytes()
    body += b"\x4a" + varint(len(raw)) + raw
    return bytes(body)


class Encoder(torch.nn.Module):
    """A BERT-base-geometry encoder: 4 layers, hidden 768, 12 heads, feed-forward 3072, GELU."""

    def __init__(self):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(768, 12, 3072, dropout=0.0, activation="gelu",
                                                 batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, 4, enable_nested_tensor=False)

    def forward(self, x):
        return self.encoder(x)


MODELS = {
    # name: (constructor, input shape, opset)
    "resnet18": (lambda: torchvision.models.resnet18(), (1, 3, 224, 224), 13),
    "resnet50": (lambda: torchvision.models.resnet50(), (1, 3, 224, 224), 13),
    "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(), (1, 3, 224, 224), 13),
    "bert_encoder": (Encoder, (1, 128, 768), 17),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--models", default=",".join(MODELS))
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    for name in args.models.split(","):
        make, shape, opset = MODELS[name]
        torch.manual_seed(0)
        model = make().eval()
        x = torch.rand(shape) * 2 - 1
        with torch.no_grad():
            y = model(x)
        path = os.path.join(args.out_dir, name + ".onnx")
        torch.onnx.export(model, (x,), path, input_names=["input"], output_names=["output"],
                          opset_version=opset, do_constant_folding=True)
        with open(os.path.join(args.out_dir, name + ".input.pb"), "wb") as f:
            f.write(tensor_proto("input", x))
        with open(os.path.join(args.out_dir, name + ".output.pb"), "wb") as f:
            f.write(tensor_proto("output", y))
        print(f"{path}: input {list(shape)}, opset {opset}, {os.path.getsize(path) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Makes the small ONNX models committed next to this script (each well under 1 MB) with
a reference input and output from PyTorch:

    /usr/bin/python3 tests/frontend/models/make_models.py tests/frontend/models

small_cnn: convolutions with batch norm, a residual block, a depthwise convolution, max and
global average pooling, a linear layer (ResNet/MobileNet operators, opset 13).
small_encoder_opset13 / small_encoder_opset17: a two-layer transformer encoder (hidden 64,
4 heads, sequence 16, GELU): MatMul, Softmax, and LayerNormalization decomposed (opset 13)
or as one operator (opset 17).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "bench", "models"))
from export_models import tensor_proto  # noqa: E402


class SmallCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False),
                                        torch.nn.BatchNorm2d(16), torch.nn.ReLU())
        self.pool = torch.nn.MaxPool2d(3, stride=2, padding=1)
        self.block = torch.nn.Sequential(torch.nn.Conv2d(16, 16, 3, padding=1, bias=False),
                                         torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
                                         torch.nn.Conv2d(16, 16, 3, padding=1, bias=False),
                                         torch.nn.BatchNorm2d(16))
        self.depthwise = torch.nn.Sequential(torch.nn.Conv2d(16, 16, 3, padding=1, groups=16),
                                             torch.nn.ReLU6(),
                                             torch.nn.Conv2d(16, 32, 1))
        self.head = torch.nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(self.stem(x))
        x = torch.relu(self.block(x) + x)
        x = self.depthwise(x)
        x = torch.nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.head(x)


class SmallEncoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, activation="gelu", batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)

    def forward(self, x):
        return self.encoder(x)


def export(model, shape, opset, out_dir, name):
    torch.manual_seed(1)
    for m in model.modules():  # non-trivial batch-norm statistics
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    model.eval()
    x = torch.rand(shape) * 2 - 1
    with torch.no_grad():
        y = model(x)
    path = os.path.join(out_dir, name + ".onnx")
    torch.onnx.export(model, (x,), path, input_names=["input"], output_names=["output"], opset_version=opset)
    with open(os.path.join(out_dir, name + ".input.pb"), "wb") as f:
        f.write(tensor_proto("input", x))
    with open(os.path.join(out_dir, name + ".output.pb"), "wb") as f:
        f.write(tensor_proto("output", y))
    print(path, os.path.getsize(path))


def main():
    out_dir = sys.argv[1]
    torch.manual_seed(0)
    export(SmallCnn(), (1, 3, 32, 32), 13, out_dir, "small_cnn")
    torch.manual_seed(0)
    encoder = SmallEncoder()
    export(encoder, (1, 16, 64), 13, out_dir, "small_encoder_opset13")
    export(encoder, (1, 16, 64), 17, out_dir, "small_encoder_opset17")


if __name__ == "__main__":
    main()

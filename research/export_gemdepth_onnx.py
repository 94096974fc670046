#!/usr/bin/env python3
"""Export GemDepth (or a Video-Depth-Anything checkpoint) to ONNX for GemDepth Studio.

GemDepth's weights are CC-BY-NC-4.0 (non-commercial) and cannot be redistributed with the app, so
users export the network themselves, on a machine where these exist:

  * Python 3.9+ with PyTorch (2.1 or newer) and the `onnx` package (`onnxruntime` optional, for the check);
  * the official GemDepth checkout (arXiv 2605.10525), whose model class this script imports;
  * the official checkpoint (.pth / .safetensors).

What it writes
  OUT.onnx            one window of the network in the depth engine's windowed contract:
                        input  'images' float32 [1, T, 3, H, W]  RGB/255, ImageNet mean/std normalised
                        output 'depth'  float32 [1, T, H, W]     relative inverse depth (disparity)
                        output 'poses'  float32 [1, T, 9]        [tx,ty,tz,qx,qy,qz,qw,fov_h,fov_w]
                      H and W are symbolic by default (the engine resizes so the short side is the
                      input size and both sides are multiples of 14); T too unless --static.
  OUT.json            a model manifest (the schema of src-main/engine/infer/manifest.ts) with the
                      file's sha256, beside the ONNX file.

Deterministic by construction. The official code leaves pose-injection masking and attention dropout
active at inference, so two runs on the same clip differ. Here the network is put in eval mode, every
dropout / drop-path probability is set to 0 and every pose-masking ratio to 0 (all poses injected);
`--set ATTR=VALUE` handles attribute names this script does not know. The script then runs the wrapped
network twice on the same input and refuses to export if the outputs differ, and (with onnxruntime
installed) checks that the ONNX file matches PyTorch and is itself deterministic.

Usage (from anywhere; --repo is the official checkout):
  python research/export_gemdepth_onnx.py \\
      --repo ~/src/GemDepth --checkpoint ~/models/gemdepth_vitl.pth \\
      --model-class gemdepth.model:GemDepth --model-kwargs '{"encoder": "vitl"}' \\
      --window 32 --input-size 518 --out gemdepth.onnx
  gemdepth models import gemdepth.onnx --as gemdepth      # verifies I/O, installs it

Options worth knowing
  --window T          frames per window traced (32 = the 'large' preset; 16 / 8 for small GPUs).
  --input-size S      short side used for tracing (multiple of 14, default 518); --aspect W/H ratio.
  --static            fix T, H and W in the graph (faster on some runtimes); the manifest then says
                      {"fixed": [H, W]} and lists only the window preset with that T.
  --depth-key/--pose-key  how to find depth and poses when the network returns a dict or tuple.
  --opset N           ONNX opset (default 17).

This script cannot run in the project's CI (no PyTorch, no weights there); it is kept syntactically
valid there with `python3 -m py_compile research/export_gemdepth_onnx.py`.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import sys
from pathlib import Path

# The three memory presets of GEMDEPTH.md (identical to the engine's STANDARD_WINDOW_PRESETS).
PRESETS = {
    "large": {"T": 32, "overlap": 10, "keyframes": [0, 12, 24, 25, 26, 27, 28, 29, 30, 31], "interpLen": 8},
    "medium": {"T": 16, "overlap": 6, "keyframes": [0, 6, 12, 13, 14, 15], "interpLen": 4},
    "small": {"T": 8, "overlap": 4, "keyframes": [0, 3, 6, 7], "interpLen": 2},
}

# Attribute names (on any submodule) that make the official inference stochastic.
STOCHASTIC_ATTRS = (
    "drop_prob", "drop_path_prob", "drop_rate", "attn_drop_rate", "proj_drop_rate", "dropout", "dropout_p",
    "pose_mask_ratio", "pose_mask_prob", "pose_drop_prob", "pose_dropout", "mask_ratio", "inject_drop_prob",
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repo", type=Path, required=True, help="official GemDepth checkout (added to sys.path)")
    p.add_argument("--checkpoint", type=Path, required=True, help="weights file (.pth, .pt or .safetensors)")
    p.add_argument("--model-class", default="gemdepth.model:GemDepth", help="module:Class of the network in the checkout")
    p.add_argument("--model-kwargs", default="{}", help="JSON keyword arguments for the class constructor")
    p.add_argument("--state-key", default=None, help="key of the state dict inside the checkpoint (e.g. 'model')")
    p.add_argument("--window", type=int, default=32, help="frames per window T (default 32)")
    p.add_argument("--input-size", type=int, default=518, help="short side for tracing, multiple of 14 (default 518)")
    p.add_argument("--aspect", type=float, default=16 / 9, help="W/H of the traced input (default 16/9)")
    p.add_argument("--static", action="store_true", help="fix T, H, W in the graph")
    p.add_argument("--depth-key", default="depth", help="dict key or tuple index of the depth output")
    p.add_argument("--pose-key", default="poses", help="dict key or tuple index of the pose output")
    p.add_argument("--set", action="append", default=[], metavar="ATTR=VALUE",
                   help="set an attribute on every submodule that has it (repeatable), e.g. pose_mask_ratio=0")
    p.add_argument("--id", default="gemdepth", help="manifest id (default gemdepth)")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--device", default="cpu", help="torch device for tracing (cpu or cuda)")
    p.add_argument("--out", type=Path, default=Path("gemdepth.onnx"))
    a = p.parse_args(argv)
    if a.input_size % 14:
        p.error("--input-size must be a multiple of 14")
    if a.window < 2:
        p.error("--window must be at least 2")
    return a


def round14(x: float) -> int:
    return max(14, int(round(x / 14)) * 14)


def load_network(a):
    import torch

    sys.path.insert(0, str(a.repo.expanduser().resolve()))
    module_name, _, class_name = a.model_class.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    net = cls(**json.loads(a.model_kwargs))
    ckpt_path = a.checkpoint.expanduser()
    if ckpt_path.suffix == ".safetensors":
        from safetensors.torch import load_file

        state = load_file(str(ckpt_path))
    else:
        state = torch.load(str(ckpt_path), map_location="cpu", weights_only=True)
    if a.state_key:
        state = state[a.state_key]
    elif isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
        state = state["model"]
    missing, unexpected = net.load_state_dict(state, strict=False)
    if missing:
        raise SystemExit(f"checkpoint does not fit {a.model_class}: {len(missing)} missing keys, e.g. {missing[:3]}")
    if unexpected:
        print(f"note: {len(unexpected)} unused checkpoint keys, e.g. {unexpected[:3]}", file=sys.stderr)
    return net


def make_deterministic(net, overrides):
    """eval(), every dropout at 0, every pose mask off: the same window always gives the same output."""
    import torch

    net.eval()
    changed = 0
    for m in net.modules():
        if isinstance(m, torch.nn.modules.dropout._DropoutNd):
            m.p = 0.0
            changed += 1
        for name in STOCHASTIC_ATTRS:
            if isinstance(getattr(m, name, None), float) and getattr(m, name) != 0.0:
                setattr(m, name, 0.0)
                changed += 1
    for item in overrides:
        attr, _, raw = item.partition("=")
        value = json.loads(raw)
        hits = [m for m in net.modules() if hasattr(m, attr)]
        if not hits:
            raise SystemExit(f"--set {item}: no submodule has an attribute '{attr}'")
        for m in hits:
            setattr(m, attr, value)
        changed += len(hits)
    print(f"deterministic: eval mode, {changed} dropout/mask settings zeroed or set", file=sys.stderr)


def pick(out, key):
    if isinstance(out, dict):
        return out[key]
    if isinstance(out, (tuple, list)):
        return out[int(key)]
    raise SystemExit(f"the network returned {type(out).__name__}; use --depth-key/--pose-key to say where depth and poses are")


def build_wrapper(net, a):
    import torch

    class Windowed(torch.nn.Module):
        """[1,T,3,H,W] -> depth [1,T,H,W], poses [1,T,9]: the engine's windowed contract."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, images):
            out = self.inner(images)
            depth = pick(out, a.depth_key)
            poses = pick(out, a.pose_key)
            if depth.dim() == 5:  # [1,T,1,H,W]
                depth = depth.squeeze(2)
            return depth.float(), poses.reshape(images.shape[0], images.shape[1], 9).float()

    return Windowed(net)


def check_determinism(wrapper, x):
    import torch

    with torch.inference_mode():
        d1, p1 = wrapper(x)
        d2, p2 = wrapper(x)
    if not (torch.equal(d1, d2) and torch.equal(p1, p2)):
        diff = max((d1 - d2).abs().max().item(), (p1 - p2).abs().max().item())
        raise SystemExit(f"the network is still stochastic (max difference {diff:g} between two runs): find the "
                         "remaining dropout/mask attribute and pass --set NAME=0")
    if tuple(d1.shape) != (1, x.shape[1], x.shape[3], x.shape[4]) or tuple(p1.shape) != (1, x.shape[1], 9):
        raise SystemExit(f"unexpected output shapes depth {tuple(d1.shape)}, poses {tuple(p1.shape)}")
    return d1, p1


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_manifest(a, onnx_path: Path, height: int, width: int):
    presets = {k: v for k, v in PRESETS.items() if not a.static or v["T"] == a.window}
    if not presets:
        raise SystemExit(f"--static with --window {a.window}: the engine's presets use T = 32, 16 or 8")
    default = "large" if "large" in presets else next(iter(presets))
    manifest = {
        "id": a.id,
        "name": f"GemDepth (exported, T={a.window}{', static' if a.static else ''})",
        "file": onnx_path.name,
        "sha256": sha256_of(onnx_path),
        "licence": {"id": "CC-BY-NC-4.0", "commercialUse": False, "url": "https://creativecommons.org/licenses/by-nc/4.0/"},
        "source": {"url": "https://arxiv.org/abs/2605.10525",
                   "note": "Exported locally with research/export_gemdepth_onnx.py from the official checkpoint (non-commercial weights)."},
        "kind": "windowed",
        "input": {"name": "images", "layout": "NTCHW", "rank": 5},
        "output": {"name": "depth", "rank": 4},
        "poses": {"name": "poses"},
        "size": {"fixed": [height, width]} if a.static else {"shortSide": a.input_size, "multiple": 14},
        "normalisation": "imagenet",
        "outputKind": "relative-inverse",
        "window": {"default": default, "presets": presets},
    }
    path = onnx_path.with_suffix(".json")
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path, manifest["sha256"]


def check_onnx(onnx_path: Path, x, depth_ref, poses_ref):
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError:
        print("note: onnxruntime not installed, skipping the ONNX check", file=sys.stderr)
        return
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    feed = {"images": x.cpu().numpy()}
    d1, p1 = sess.run(["depth", "poses"], feed)
    d2, p2 = sess.run(["depth", "poses"], feed)
    if not (np.array_equal(d1, d2) and np.array_equal(p1, p2)):
        raise SystemExit("the exported ONNX model is not deterministic")
    err = float(np.abs(d1 - depth_ref.cpu().numpy()).max() / (np.abs(depth_ref.cpu().numpy()).max() + 1e-6))
    if err > 1e-2:
        raise SystemExit(f"ONNX depth differs from PyTorch by {err:.3%} of its range")
    print(f"onnx check: deterministic, depth within {err:.2e} of PyTorch, poses within "
          f"{float(np.abs(p1 - poses_ref.cpu().numpy()).max()):.2e}", file=sys.stderr)


def main(argv=None):
    a = parse_args(argv)
    import torch

    torch.manual_seed(0)
    net = load_network(a).to(a.device)
    make_deterministic(net, a.set)
    wrapper = build_wrapper(net, a).eval()
    height = a.input_size
    width = round14(a.input_size * a.aspect)
    # A smooth synthetic clip: tracing needs no real footage, only the right shape and value range.
    t = torch.linspace(0, 1, a.window).view(1, a.window, 1, 1, 1)
    yy = torch.linspace(-1, 1, height).view(1, 1, 1, height, 1)
    xx = torch.linspace(-1, 1, width).view(1, 1, 1, 1, width)
    x = (torch.sin(3 * xx + 2 * t) * torch.cos(2 * yy)).expand(1, a.window, 3, height, width).contiguous().to(a.device)
    depth_ref, poses_ref = check_determinism(wrapper, x)

    dynamic = None if a.static else {"images": {1: "T", 3: "H", 4: "W"}, "depth": {1: "T", 2: "H", 3: "W"}, "poses": {1: "T"}}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = a.out.with_name(a.out.name + ".partial")
    with torch.inference_mode():
        torch.onnx.export(wrapper, (x,), str(tmp), input_names=["images"], output_names=["depth", "poses"],
                          dynamic_axes=dynamic, opset_version=a.opset, do_constant_folding=True, dynamo=False)
    tmp.replace(a.out)  # the final name only ever holds a complete file
    check_onnx(a.out, x, depth_ref, poses_ref)
    manifest_path, sha = write_manifest(a, a.out, height, width)
    print(f"wrote {a.out} (sha256 {sha}) and {manifest_path}")
    print(f"install it with: gemdepth models import {a.out} --as {a.id}")


if __name__ == "__main__":
    main()

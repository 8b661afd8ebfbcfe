"""Makes the bundled traffic-sign model from nothing: generates the data, trains, evaluates, exports.

    /usr/bin/python3 models/traffic-signs/train.py            # the published model (about 30 min, 2 cores)
    /usr/bin/python3 models/traffic-signs/train.py --quick    # a smoke run in a minute or two

Writes traffic-signs.onnx, traffic-signs.json (the metadata the classifier reads) and eval.json (held-out
accuracy, overall and per class) beside this file; the generated images are cached in .cache/ (git-ignored).
Uses Debian's python3-torch, python3-torchvision and python3-onnx, nothing downloaded.
"""

import os

# On a machine whose cores are shared, OpenMP threads that spin while waiting for each other burn the CPU time
# they are waiting for: measured here under load, 2 spinning threads cost 21 ms of CPU per training image
# against 5.6 ms passive. Must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from dataset import load  # noqa: E402
from model import INPUT_SIZE, MEAN, STD, SignNet, normalize  # noqa: E402
from signs import CLASSES, IDS  # noqa: E402

NAME = "traffic-signs"
VERSION = "1"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train-size", type=int, default=36_000)
    p.add_argument("--heldout-size", type=int, default=4_000)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=4e-3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="tiny data and one epoch, to check the pipeline")
    p.add_argument("--out", default=HERE, help="where the .onnx, .json and eval.json go")
    return p.parse_args()


def shift(batch, pad=6):
    """Random translation of each image by up to `pad` pixels: cheap extra variety between epochs."""
    padded = F.pad(batch, (pad, pad, pad, pad), mode="replicate")
    n = batch.shape[0]
    offs = torch.randint(0, 2 * pad + 1, (n, 2))
    return torch.stack([padded[i, :, y : y + INPUT_SIZE, x : x + INPUT_SIZE] for i, (y, x) in enumerate(offs)])


def evaluate(model, images, labels, batch=256):
    model.eval()
    preds = []
    with torch.no_grad():
        for s in range(0, len(images), batch):
            preds.append(model(normalize(images[s : s + batch])).argmax(1))
    return torch.cat(preds)


def report(preds, labels):
    per_class = {}
    confusions = {}
    for k, cid in enumerate(IDS):
        mask = labels == k
        per_class[cid] = round(float((preds[mask] == k).float().mean()), 4)
        wrong = preds[mask][preds[mask] != k]
        for w in wrong.tolist():
            key = f"{cid} -> {IDS[w]}"
            confusions[key] = confusions.get(key, 0) + 1
    top = sorted(confusions.items(), key=lambda kv: -kv[1])[:10]
    return {
        "accuracy": round(float((preds == labels).float().mean()), 4),
        "images": int(len(labels)),
        "per_class": per_class,
        "top_confusions": dict(top),
    }


def metadata():
    return {
        "name": NAME,
        "version": VERSION,
        "labels": [{"id": cid, "names": {"en": en, "es": es}} for cid, en, es in CLASSES],
        "preprocess": {
            "width": INPUT_SIZE,
            "height": INPUT_SIZE,
            "layout": "NCHW",
            "channelOrder": "RGB",
            "resize": "fill",
            "scale": 1 / 255,
            "mean": [MEAN] * 3,
            "std": [STD] * 3,
            "dtype": "float32",
        },
        "input": "input",
        "output": {"name": "logits", "kind": "logits"},
    }


def export(model, path):
    model.eval()
    torch.onnx.export(
        model,
        torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE),
        path,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=13,
        do_constant_folding=True,
    )
    import onnx

    onnx.checker.check_model(onnx.load(path))


def main():
    args = parse_args()
    if args.quick:
        args.train_size, args.heldout_size, args.epochs = 2_000, 400, 1
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    cache = os.path.join(HERE, ".cache")
    t0 = time.time()

    x_train, y_train = load("train", args.train_size, INPUT_SIZE, cache, args.threads)
    x_test, y_test = load("heldout", args.heldout_size, INPUT_SIZE, cache, args.threads)
    x_train = torch.from_numpy(x_train).permute(0, 3, 1, 2).contiguous()
    x_test = torch.from_numpy(x_test).permute(0, 3, 1, 2).contiguous()
    y_train, y_test = torch.from_numpy(y_train), torch.from_numpy(y_test)
    print(f"data ready after {time.time() - t0:.0f}s", flush=True)

    model = SignNet(len(IDS)).to(memory_format=torch.channels_last)
    params = sum(p.numel() for p in model.parameters())
    steps_per_epoch = len(x_train) // args.batch
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.2
    )
    history = []
    for epoch in range(args.epochs):
        model.train()
        t_epoch = time.time()
        order = torch.randperm(len(x_train))
        seen, correct, loss_sum = 0, 0, 0.0
        for step in range(steps_per_epoch):
            idx = order[step * args.batch : (step + 1) * args.batch]
            x = shift(normalize(x_train[idx])).contiguous(memory_format=torch.channels_last)
            y = y_train[idx]
            logits = model(x)
            loss = F.cross_entropy(logits, y, label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            seen += len(y)
            correct += int((logits.argmax(1) == y).sum())
            loss_sum += float(loss) * len(y)
            if step % 50 == 0:
                rate = seen / (time.time() - t_epoch)
                print(f"epoch {epoch + 1} step {step}/{steps_per_epoch} loss {loss_sum / seen:.3f} "
                      f"acc {correct / seen:.3f} {rate:.0f} img/s", flush=True)
        result = report(evaluate(model, x_test, y_test), y_test)
        held = result["accuracy"]
        history.append({"epoch": epoch + 1, "train_loss": round(loss_sum / seen, 4),
                        "train_accuracy": round(correct / seen, 4), "heldout_accuracy": held,
                        "seconds": round(time.time() - t_epoch)})
        print(json.dumps(history[-1]), flush=True)
        # Written after every epoch, so an interrupted run still leaves its latest model behind.
        write_outputs(model, result, len(x_train), args, params, history, t0)


def write_outputs(model, result, train_images, args, params, history, t0):
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, f"{NAME}.onnx")
    export(model, onnx_path)
    with open(os.path.join(args.out, f"{NAME}.json"), "w", encoding="utf-8") as f:
        json.dump(metadata(), f, ensure_ascii=False, indent=2)
        f.write("\n")
    summary = {
        "heldout": result,
        "train_images": train_images,
        "epochs": len(history),
        "parameters": params,
        "onnx_bytes": os.path.getsize(onnx_path),
        "history": history,
        "total_seconds": round(time.time() - t0),
        "torch": torch.__version__,
    }
    with open(os.path.join(args.out, "eval.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(json.dumps({k: v for k, v in summary.items() if k not in ("history", "heldout")}), flush=True)


if __name__ == "__main__":
    main()

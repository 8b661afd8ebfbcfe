"""Makes the bundled traffic-sign model from nothing: generates the data, trains, evaluates, exports.

    /usr/bin/python3 models/traffic-signs/train.py            # the published model (45–80 min on 2 cores)
    /usr/bin/python3 models/traffic-signs/train.py --quick    # a smoke run in a minute or two

Writes traffic-signs.onnx, traffic-signs.json (the metadata the classifier reads) and eval.json (held-out
results: signs, signs on unseen photographs, photographs without a sign, calibration) beside this file; the
generated images and decoded photographs are cached in .cache/ (git-ignored). Uses Debian's python3-torch,
python3-torchvision and python3-onnx, and installs the wallpaper packages the photographs come from (photos.py);
nothing else is downloaded.
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

from dataset import LABELS, NO_SIGN, load  # noqa: E402
from model import INPUT_SIZE, MEAN, STD, SignNet, normalize  # noqa: E402
from photos import load_photos  # noqa: E402
from scenes import RESAMPLE  # noqa: E402
from signs import CLASSES  # noqa: E402

NAME = "traffic-signs"
VERSION = "2"
NONE = len(LABELS) - 1
# Below this top confidence an answer is "nothing recognised". Fixed before training, not tuned on held-out
# data; eval.json shows what other floors would give.
MIN_CONFIDENCE = 0.5
NONE_NAMES = {"en": "No sign recognised", "es": "No se reconoce ninguna señal"}
CALIBRATION_BINS = [0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train-size", type=int, default=40_000)
    p.add_argument("--heldout-size", type=int, default=4_000)
    p.add_argument("--heldout-photo-size", type=int, default=2_000)
    p.add_argument("--heldout-empty-size", type=int, default=1_000)
    p.add_argument("--epochs", type=int, default=24)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=4e-3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="tiny data and one epoch, to check the pipeline")
    p.add_argument("--out", default=HERE, help="where the .onnx, .json and eval.json go")
    return p.parse_args()


def shift(batch, pad=8):
    """Random translation of each image by up to `pad` pixels: cheap extra variety between epochs."""
    padded = F.pad(batch, (pad, pad, pad, pad), mode="replicate")
    n = batch.shape[0]
    offs = torch.randint(0, 2 * pad + 1, (n, 2))
    return torch.stack([padded[i, :, y : y + INPUT_SIZE, x : x + INPUT_SIZE] for i, (y, x) in enumerate(offs)])


def probabilities(model, images, batch=256):
    model.eval()
    out = []
    with torch.no_grad():
        for s in range(0, len(images), batch):
            x = torch.as_tensor(np.asarray(images[s : s + batch])).permute(0, 3, 1, 2)
            out.append(F.softmax(model(normalize(x).contiguous(memory_format=torch.channels_last)), 1))
    return torch.cat(out)


def answers(probs, floor=MIN_CONFIDENCE):
    """What the service answers: the top class, or NONE when that is no_sign or below the floor."""
    conf, top = probs.max(1)
    return torch.where((top == NONE) | (conf < floor), torch.full_like(top, NONE), top), conf, top


def report_signs(probs, labels):
    """Signs: right only when recognised and named correctly (an answer of "nothing" counts as wrong)."""
    answer, _, top = answers(probs)
    per_class, confusions = {}, {}
    for k, cid in enumerate(LABELS[:NONE]):
        mask = labels == k
        if not mask.any():
            continue
        per_class[cid] = round(float((answer[mask] == k).float().mean()), 4)
        for w in answer[mask][answer[mask] != k].tolist():
            key = f"{cid} -> {LABELS[w] if w != NONE else 'not recognised'}"
            confusions[key] = confusions.get(key, 0) + 1
    return {
        "accuracy": round(float((answer == labels).float().mean()), 4),
        "top1_ignoring_floor": round(float((top == labels).float().mean()), 4),
        "not_recognised": round(float((answer == NONE).float().mean()), 4),
        "images": int(len(labels)),
        "per_class": per_class,
        "top_confusions": dict(sorted(confusions.items(), key=lambda kv: -kv[1])[:10]),
    }


def report_empty(probs):
    answer, conf, top = answers(probs)
    named = {}
    for w in top[answer != NONE].tolist():
        named[LABELS[w]] = named.get(LABELS[w], 0) + 1
    return {
        "recognized_false": round(float((answer == NONE).float().mean()), 4),
        "images": int(len(probs)),
        "taken_for_a_sign": dict(sorted(named.items(), key=lambda kv: -kv[1])),
    }


def calibration(probs, labels):
    """Top-1 confidence against how often the top-1 class is right, in bins (no_sign counts as a class)."""
    conf, top = probs.max(1)
    rows = []
    for lo, hi in zip(CALIBRATION_BINS, CALIBRATION_BINS[1:]):
        mask = (conf >= lo) & ((conf < hi) if hi < 1 else (conf <= hi))
        n = int(mask.sum())
        rows.append({"confidence": f"{lo:.2f}-{hi:.2f}", "images": n,
                     "mean_confidence": round(float(conf[mask].mean()), 4) if n else None,
                     "accuracy": round(float((top[mask] == labels[mask]).float().mean()), 4) if n else None})
    return rows


def floors(sets):
    """What other confidence floors would have given: signs right vs. photos without a sign rejected."""
    out = []
    for floor in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        row = {"min_confidence": floor}
        for name, (probs, labels) in sets.items():
            answer = answers(probs, floor)[0]
            row[name] = round(float((answer == labels).float().mean()), 4)
        out.append(row)
    return out


def whole_photos(model, cache):
    """Every held-out photograph, whole, stretched to the input the way the preprocessing does."""
    from PIL import Image

    photos, names = load_photos("heldout", cache)
    x = np.stack([np.asarray(Image.fromarray(p).resize((INPUT_SIZE, INPUT_SIZE), RESAMPLE[0])) for p in photos])
    answer, conf, top = answers(probabilities(model, x))
    return {
        "recognized_false": round(float((answer == NONE).float().mean()), 4),
        "images": len(names),
        "answers": {os.path.basename(n): (NO_SIGN if a == NONE else LABELS[a]) + f" {float(c):.3f}"
                    for n, a, c in zip(names, answer.tolist(), conf.tolist())},
    }


def metadata():
    labels = [{"id": cid, "names": {"en": en, "es": es}} for cid, en, es in CLASSES]
    labels.append({"id": NO_SIGN, "names": NONE_NAMES})
    return {
        "name": NAME,
        "version": VERSION,
        "labels": labels,
        "noneLabel": NO_SIGN,
        "minConfidence": MIN_CONFIDENCE,
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
        args.train_size, args.heldout_size, args.heldout_photo_size, args.heldout_empty_size = 2_300, 400, 200, 200
        args.epochs = 1
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    cache = os.path.join(HERE, ".cache")
    t0 = time.time()

    x_train, y_train = load("train", args.train_size, INPUT_SIZE, cache, args.threads)
    held = {
        "heldout": load("heldout", args.heldout_size, INPUT_SIZE, cache, args.threads),
        "heldout_photo": load("heldout_photo", args.heldout_photo_size, INPUT_SIZE, cache, args.threads),
        "heldout_empty": load("heldout_empty", args.heldout_empty_size, INPUT_SIZE, cache, args.threads),
    }
    x_train = torch.from_numpy(np.ascontiguousarray(x_train)).permute(0, 3, 1, 2).contiguous()
    y_train = torch.from_numpy(y_train)
    print(f"data ready after {time.time() - t0:.0f}s", flush=True)

    model = SignNet(len(LABELS)).to(memory_format=torch.channels_last)
    params = sum(p.numel() for p in model.parameters())
    steps_per_epoch = len(x_train) // args.batch
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.2
    )
    # A fixed slice of the held-out signs, checked after every epoch; the full evaluation runs once at the end.
    probe_x, probe_y = held["heldout"][0][:1000], torch.from_numpy(held["heldout"][1][:1000])
    history = []
    for epoch in range(args.epochs):
        model.train()
        t_epoch = last_print = time.time()
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
            if step % 50 == 0 or time.time() - last_print > 30:
                last_print = time.time()
                rate = seen / (last_print - t_epoch)
                print(f"epoch {epoch + 1}/{args.epochs} step {step}/{steps_per_epoch} loss {loss_sum / seen:.3f} "
                      f"acc {correct / seen:.3f} {rate:.0f} img/s, {last_print - t0:.0f}s in", flush=True)
        probe = report_signs(probabilities(model, probe_x), probe_y)["accuracy"]
        history.append({"epoch": epoch + 1, "train_loss": round(loss_sum / seen, 4),
                        "train_accuracy": round(correct / seen, 4), "heldout_probe_accuracy": probe,
                        "seconds": round(time.time() - t_epoch)})
        print(json.dumps(history[-1]), flush=True)
        # Exported after every epoch, so an interrupted run still leaves its latest model behind.
        write_model(model, args)
    results = evaluate_all(model, held, cache)
    write_eval(results, len(x_train), args, params, history, t0)


def evaluate_all(model, held, cache):
    probs = {k: probabilities(model, x) for k, (x, _) in held.items()}
    labels = {k: torch.from_numpy(np.asarray(y)) for k, (_, y) in held.items()}
    return {
        "heldout_signs": report_signs(probs["heldout"], labels["heldout"]),
        "heldout_signs_on_photos": report_signs(probs["heldout_photo"], labels["heldout_photo"]),
        "heldout_photos_without_sign": report_empty(probs["heldout_empty"]),
        "heldout_whole_photos": whole_photos(model, cache),
        "calibration": calibration(torch.cat(list(probs.values())), torch.cat(list(labels.values()))),
        "other_floors": floors({"heldout_signs": (probs["heldout"], labels["heldout"]),
                                "heldout_signs_on_photos": (probs["heldout_photo"], labels["heldout_photo"]),
                                "heldout_photos_without_sign": (probs["heldout_empty"], labels["heldout_empty"])}),
    }


def write_model(model, args):
    os.makedirs(args.out, exist_ok=True)
    export(model, os.path.join(args.out, f"{NAME}.onnx"))
    with open(os.path.join(args.out, f"{NAME}.json"), "w", encoding="utf-8") as f:
        json.dump(metadata(), f, ensure_ascii=False, indent=2)
        f.write("\n")


def write_eval(results, train_images, args, params, history, t0):
    summary = {
        **results,
        "min_confidence": MIN_CONFIDENCE,
        "train_images": train_images,
        "epochs": len(history),
        "parameters": params,
        "onnx_bytes": os.path.getsize(os.path.join(args.out, f"{NAME}.onnx")),
        "history": history,
        "total_seconds": round(time.time() - t0),
        "torch": torch.__version__,
    }
    with open(os.path.join(args.out, "eval.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(json.dumps({k: summary[k] for k in ("heldout_signs", "heldout_signs_on_photos",
                                                  "heldout_photos_without_sign", "total_seconds")}), flush=True)


if __name__ == "__main__":
    main()

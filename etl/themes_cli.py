"""`themes` command: classify posts, evaluate against a labelled set, train the optional learned model.

    python -m etl themes classify IN.csv OUT.csv [--themes data/themes.yml] [--model MODEL]
        reads id,text; writes id,themes,tone (themes separated by ';', empty when none)
    python -m etl themes evaluate LABELLED.csv [--themes ...] [--model MODEL]
        reads id,text,themes[,tone]; prints micro/macro F1, tone accuracy and a per-theme table
    python -m etl themes train LABELLED.csv [--model PATH] [--folds 5]
        reads text,themes; trains TF-IDF + one-vs-rest model, writes PATH and its cross-validation report

Wire-up: `add_subparser(subparsers)` registers the command; the handler is stored as `func` on the
namespace (args.func(args) returns the exit code). CSV input may be UTF-8 (with or without BOM) or cp1252.
"""
from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from etl.readers.base import SourceError
from etl.text.themes import TaxonomyError, classify_texts, load_taxonomy, split_themes
from wijkbeeld.settings import ROOT, get_settings

# Where `themes train` writes the learned model when --model is not given.
DEFAULT_MODEL_PATH = ROOT / "data" / "themes_model.joblib"
INPUT_ENCODINGS = ("utf-8-sig", "cp1252")


def read_csv_robust(path: str | Path, required: Sequence[str]) -> pd.DataFrame:
    """Read a CSV as strings (UTF-8, UTF-8 with BOM or cp1252); SourceError names a missing column."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise SourceError(path, f"cannot read the file ({err.strerror or err})") from err
    if not raw.strip():
        raise SourceError(path, "the file is empty")
    for encoding in INPUT_ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # cp1252 leaves 5 bytes undefined; latin-1 decodes anything
        text = raw.decode("latin-1")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise SourceError(path, f"not a readable CSV ({err})") from err
    frame.columns = [str(c).strip().lstrip("\ufeff").lower() for c in frame.columns]
    for column in required:
        if column not in frame.columns:
            found = ", ".join(frame.columns) or "none"
            raise SourceError(path, f"column '{column}' is missing (found: {found})")
    return frame


def evaluate(frame_true: pd.DataFrame, frame_pred: pd.DataFrame) -> dict:
    """Compare predicted with true labels. Both frames have `themes` ('a;b' or ''), optionally `tone` and `id`.

    Rows are aligned on `id` when both frames have it, else by position. Returns micro precision/recall/F1,
    macro F1 (mean over themes that occur in the truth or the predictions), exact-match ratio, tone accuracy
    (None when a frame has no tone) and per_theme {theme: {precision, recall, f1, support, predicted}}.
    """
    if "themes" not in frame_true or "themes" not in frame_pred:
        raise ValueError("both frames need a 'themes' column")
    if "id" in frame_true and "id" in frame_pred:
        truth = frame_true.assign(id=frame_true["id"].astype(str)).set_index("id")
        pred = frame_pred.assign(id=frame_pred["id"].astype(str)).set_index("id")
        missing = truth.index.difference(pred.index)
        if len(missing):
            raise ValueError(f"{len(missing)} ids have no prediction, e.g. {list(missing[:3])}")
        pred = pred.loc[truth.index]
    else:
        if len(frame_true) != len(frame_pred):
            raise ValueError(f"{len(frame_true)} true rows but {len(frame_pred)} predicted rows")
        truth, pred = frame_true.reset_index(drop=True), frame_pred.reset_index(drop=True)
    true_sets = split_themes(truth["themes"].tolist())
    pred_sets = split_themes(pred["themes"].tolist())
    themes = sorted(set().union(*true_sets, *pred_sets)) if true_sets else []
    per_theme = {}
    tp_all = fp_all = fn_all = 0
    for theme in themes:
        tp = sum(1 for t, p in zip(true_sets, pred_sets) if theme in t and theme in p)
        fp = sum(1 for t, p in zip(true_sets, pred_sets) if theme not in t and theme in p)
        fn = sum(1 for t, p in zip(true_sets, pred_sets) if theme in t and theme not in p)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_theme[theme] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn,
                            "predicted": tp + fp}
    micro_p = tp_all / (tp_all + fp_all) if tp_all + fp_all else 0.0
    micro_r = tp_all / (tp_all + fn_all) if tp_all + fn_all else 0.0
    micro_f1 = 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0
    macro_f1 = sum(v["f1"] for v in per_theme.values()) / len(per_theme) if per_theme else 0.0
    tone_accuracy = None
    if "tone" in truth and "tone" in pred:
        true_tone = pd.to_numeric(truth["tone"], errors="coerce")
        pred_tone = pd.to_numeric(pred["tone"], errors="coerce")
        known = true_tone.notna().to_numpy()
        if known.any():
            tone_accuracy = float((true_tone.to_numpy()[known] == pred_tone.to_numpy()[known]).mean())
    exact = sum(1 for t, p in zip(true_sets, pred_sets) if t == p) / len(true_sets) if true_sets else 0.0
    return {"n": len(true_sets), "micro_precision": micro_p, "micro_recall": micro_r, "micro_f1": micro_f1,
            "macro_f1": macro_f1, "exact_match": exact, "tone_accuracy": tone_accuracy, "per_theme": per_theme}


def format_report(result: dict) -> str:
    lines = [
        f"posts: {result['n']}",
        f"micro: precision {result['micro_precision']:.3f}  recall {result['micro_recall']:.3f}  "
        f"F1 {result['micro_f1']:.3f}",
        f"macro F1: {result['macro_f1']:.3f}",
        f"exact match: {result['exact_match']:.3f}",
    ]
    if result.get("tone_accuracy") is not None:
        lines.append(f"tone accuracy: {result['tone_accuracy']:.3f}")
    lines.append("")
    lines.append(f"{'theme':<22}{'precision':>10}{'recall':>10}{'F1':>8}{'support':>9}{'predicted':>11}")
    for theme, row in result["per_theme"].items():
        lines.append(f"{theme:<22}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>8.3f}"
                     f"{row['support']:>9d}{row['predicted']:>11d}")
    return "\n".join(lines)


def _load_model(path: str | None):
    if not path:
        return None
    from etl.text.learned import load_model

    return load_model(path)


def _cmd_classify(args: argparse.Namespace) -> int:
    frame = read_csv_robust(args.input, ["id", "text"])
    taxonomy = load_taxonomy(args.themes)
    result = classify_texts(frame["text"].tolist(), taxonomy, model=_load_model(args.model))
    out = pd.DataFrame({"id": frame["id"], "themes": result["themes"], "tone": result["tone"]})
    out.to_csv(args.output, index=False, encoding="utf-8")
    with_theme = int((result["themes"] != "").sum())
    print(f"{len(out)} posts classified, {with_theme} with at least one theme -> {args.output}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    frame = read_csv_robust(args.labelled, ["id", "text", "themes"])
    taxonomy = load_taxonomy(args.themes)
    predicted = classify_texts(frame["text"].tolist(), taxonomy, model=_load_model(args.model))
    predicted.insert(0, "id", frame["id"].to_numpy())
    truth_columns = ["id", "themes"] + (["tone"] if "tone" in frame.columns else [])
    print(format_report(evaluate(frame[truth_columns], predicted)))
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from etl.text.learned import train

    report = train(args.labelled, args.model, folds=args.folds)
    print(report["text"])
    print(f"model written to {args.model}")
    return 0


def add_subparser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `themes` with its subcommands on an argparse subparsers object."""
    default_themes = str(get_settings().themes_file)
    parser = subparsers.add_parser("themes", help="thema's en toon van berichten: classify, evaluate, train",
                                   description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="themes_command", metavar="{classify,evaluate,train}")
    commands.required = True

    classify = commands.add_parser("classify", help="IN.csv (id,text) -> OUT.csv (id,themes,tone)")
    classify.add_argument("input")
    classify.add_argument("output")
    classify.add_argument("--themes", default=default_themes, help="taxonomy YAML (default: %(default)s)")
    classify.add_argument("--model", default=None, help="optional learned model (rules OR model)")
    classify.set_defaults(func=_run(_cmd_classify))

    evaluate_parser = commands.add_parser("evaluate", help="LABELLED.csv (id,text,themes[,tone]) -> F1 report")
    evaluate_parser.add_argument("labelled")
    evaluate_parser.add_argument("--themes", default=default_themes, help="taxonomy YAML (default: %(default)s)")
    evaluate_parser.add_argument("--model", default=None, help="optional learned model (rules OR model)")
    evaluate_parser.set_defaults(func=_run(_cmd_evaluate))

    train_parser = commands.add_parser("train", help="LABELLED.csv (text,themes) -> learned model + CV report")
    train_parser.add_argument("labelled")
    train_parser.add_argument("--model", default=str(DEFAULT_MODEL_PATH), help="output path (default: %(default)s)")
    train_parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default: 5)")
    train_parser.set_defaults(func=_run(_cmd_train))
    return parser


def _run(command):
    """Turn expected input problems into one clear line on stderr and exit code 2."""

    def handler(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (SourceError, TaxonomyError, ValueError) as err:
            print(f"themes {args.themes_command}: {err}", file=sys.stderr)
            return 2

    return handler


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point (python -m etl.themes_cli ...), the same as `python -m etl themes ...`."""
    parser = argparse.ArgumentParser(prog="themes")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_subparser(subparsers)
    args = parser.parse_args(["themes", *(argv if argv is not None else sys.argv[1:])])
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())

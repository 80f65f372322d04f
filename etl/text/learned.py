"""Optional learned theme classifier, for a gemeente that has labelled its own posts.

Input: a CSV with columns text,themes (themes separated by ';', empty when none; an id column is ignored).
Model: TF-IDF over Snowball stems (unigrams and bigrams) + one-vs-rest logistic regression (class_weight
balanced), one binary model per theme that occurs at least MIN_POSITIVES times.

`train(labelled_csv, model_path)` cross-validates (k folds, k <= 5) before fitting on all rows, and writes
next to the model `<model>.report.json` and `<model>.report.txt` with per-theme precision/recall/F1/support of
the cross-validated predictions.

Combine rule (classify_texts(..., model=m)): themes = rule themes OR model themes, where the model adds a
theme when its probability >= m.threshold (default 0.5). The rules keep their precision; the model adds
vocabulary that only this gemeente uses. A model-only theme shows 'model:<p>' in `matched`; tone stays lexical.
Themes the model never saw are left to the rules.

The model file is a joblib pickle: load only models you trained yourself (unpickling runs code).
"""
from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from etl.text.normalize import TOKEN_RE, TokenCache, clean_text, normalize_token, stem

MODEL_VERSION = 1
MIN_POSITIVES = 3          # a theme needs at least this many labelled posts to get its own model
DEFAULT_THRESHOLD = 0.5
MAX_FOLDS = 5


def _stem_token(token: str) -> str:
    return stem(normalize_token(token))


_STEMS = TokenCache(_stem_token)


def stem_tokens(text: object) -> list[str]:
    """Analyzer for the vectorizer: cleaned words (no numbers or punctuation) as Snowball stems."""
    return [_STEMS[t] for t in TOKEN_RE.findall(clean_text(text)) if t[0].isalpha()]


def stem_ngrams(text: object) -> list[str]:
    """Unigrams and bigrams of stems (module-level so that the fitted vectorizer pickles)."""
    stems = stem_tokens(text)
    return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:])]


@dataclass
class LearnedModel:
    vectorizer: object
    classifier: object
    themes: list[str]
    threshold: float = DEFAULT_THRESHOLD
    version: int = MODEL_VERSION
    report: dict = field(default_factory=dict)

    def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
        """Probability per (post, theme), columns in `self.themes` order."""
        if not len(texts):
            return np.zeros((0, len(self.themes)))
        matrix = self.vectorizer.transform(list(texts))
        return np.asarray(self.classifier.predict_proba(matrix))

    def predict(self, texts: Sequence[object]) -> list[list[str]]:
        probabilities = self.predict_proba(texts)
        return [[self.themes[j] for j in np.flatnonzero(row >= self.threshold)] for row in probabilities]


def read_labelled(path: str | Path) -> pd.DataFrame:
    from etl.themes_cli import read_csv_robust

    frame = read_csv_robust(path, ["text", "themes"])
    return frame[["text", "themes"]]


def _theme_lists(values: Iterable[object]) -> list[list[str]]:
    from etl.text.themes import split_themes

    return [sorted(s) for s in split_themes(list(values))]


def _new_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    vectorizer = TfidfVectorizer(analyzer=stem_ngrams, sublinear_tf=True, min_df=1)
    classifier = OneVsRestClassifier(LogisticRegression(class_weight="balanced", C=4.0, max_iter=2000,
                                                        solver="liblinear"))
    return vectorizer, classifier


def train(labelled_csv: str | Path, model_path: str | Path, folds: int = MAX_FOLDS,
          threshold: float = DEFAULT_THRESHOLD, seed: int = 0) -> dict:
    """Cross-validate, fit on all rows, write the model and its report. Returns the report dict (+ 'text')."""
    import joblib
    from sklearn.model_selection import KFold
    from sklearn.preprocessing import MultiLabelBinarizer

    frame = read_labelled(labelled_csv)
    texts = frame["text"].tolist()
    labels = _theme_lists(frame["themes"])
    counts = pd.Series([t for row in labels for t in row], dtype="object").value_counts()
    themes = sorted(counts[counts >= MIN_POSITIVES].index)
    if not themes:
        raise ValueError(f"{labelled_csv}: no theme has {MIN_POSITIVES} or more labelled posts; nothing to learn")
    skipped = sorted(counts[counts < MIN_POSITIVES].index)
    binarizer = MultiLabelBinarizer(classes=themes)
    y = binarizer.fit_transform([[t for t in row if t in themes] for row in labels])
    n_folds = max(2, min(folds, MAX_FOLDS, len(texts)))
    if len(texts) < 4:
        raise ValueError(f"{labelled_csv}: {len(texts)} labelled posts is too few to train and cross-validate")

    predicted = np.zeros_like(y)
    for train_index, test_index in KFold(n_splits=n_folds, shuffle=True, random_state=seed).split(texts):
        vectorizer, classifier = _new_pipeline()
        fold_x = vectorizer.fit_transform([texts[i] for i in train_index])
        with warnings.catch_warnings():  # a rare theme may be absent from one fold: it then predicts 'no'
            warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
            classifier.fit(fold_x, y[train_index])
        probabilities = np.asarray(classifier.predict_proba(vectorizer.transform([texts[i] for i in test_index])))
        predicted[test_index] = (probabilities >= threshold).astype(y.dtype)

    report = _cv_report(y, predicted, themes, n_folds, len(texts), skipped, threshold)
    vectorizer, classifier = _new_pipeline()
    classifier.fit(vectorizer.fit_transform(texts), y)
    model = LearnedModel(vectorizer, classifier, themes, threshold, MODEL_VERSION, report)

    model_path = Path(model_path)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, model_path)
    text = format_cv_report(report)
    report_json, report_txt = report_paths(model_path)
    report_json.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    report_txt.write_text(text + "\n", encoding="utf-8")
    return {**report, "text": text}


def report_paths(model_path: str | Path) -> tuple[Path, Path]:
    model_path = Path(model_path)
    stem_name = model_path.name.rsplit(".", 1)[0] if "." in model_path.name else model_path.name
    return model_path.with_name(stem_name + ".report.json"), model_path.with_name(stem_name + ".report.txt")


def _cv_report(y: np.ndarray, predicted: np.ndarray, themes: list[str], folds: int, n: int,
               skipped: list[str], threshold: float) -> dict:
    per_theme = {}
    for j, theme in enumerate(themes):
        tp = int(((y[:, j] == 1) & (predicted[:, j] == 1)).sum())
        fp = int(((y[:, j] == 0) & (predicted[:, j] == 1)).sum())
        fn = int(((y[:, j] == 1) & (predicted[:, j] == 0)).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_theme[theme] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                            "support": tp + fn}
    tp = int(((y == 1) & (predicted == 1)).sum())
    fp = int(((y == 0) & (predicted == 1)).sum())
    fn = int(((y == 1) & (predicted == 0)).sum())
    micro_p = tp / (tp + fp) if tp + fp else 0.0
    micro_r = tp / (tp + fn) if tp + fn else 0.0
    micro_f1 = 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0
    macro_f1 = float(np.mean([v["f1"] for v in per_theme.values()])) if per_theme else 0.0
    return {"posts": n, "folds": folds, "threshold": threshold, "micro_precision": round(micro_p, 4),
            "micro_recall": round(micro_r, 4), "micro_f1": round(micro_f1, 4), "macro_f1": round(macro_f1, 4),
            "per_theme": per_theme, "themes_without_model": skipped, "model_version": MODEL_VERSION}


def format_cv_report(report: dict) -> str:
    lines = [
        f"Cross-validation ({report['folds']} folds, {report['posts']} posts, threshold {report['threshold']})",
        f"micro: precision {report['micro_precision']:.3f}  recall {report['micro_recall']:.3f}  "
        f"F1 {report['micro_f1']:.3f}",
        f"macro F1: {report['macro_f1']:.3f}",
        "",
        f"{'theme':<22}{'precision':>10}{'recall':>10}{'F1':>8}{'support':>9}",
    ]
    for theme, row in report["per_theme"].items():
        lines.append(f"{theme:<22}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>8.3f}{row['support']:>9d}")
    if report["themes_without_model"]:
        lines.append(f"too few examples (< {MIN_POSITIVES}), left to the rules: {', '.join(report['themes_without_model'])}")
    return "\n".join(lines)


def load_model(path: str | Path) -> LearnedModel:
    import joblib

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: model file not found (train one with `themes train`)")
    model = joblib.load(path)
    if not isinstance(model, LearnedModel) or getattr(model, "version", None) != MODEL_VERSION:
        raise ValueError(f"{path}: not a Wijkbeeld theme model of version {MODEL_VERSION}; retrain it")
    return model


def combine_with_model(frame: pd.DataFrame, texts: Sequence[object], model: LearnedModel, taxonomy) -> pd.DataFrame:
    """Rules OR model: add model themes (p >= threshold) that the rules missed; keep taxonomy order."""
    probabilities = model.predict_proba(list(texts))
    order = {key: i for i, key in enumerate(taxonomy.keys)}
    known = [j for j, theme in enumerate(model.themes) if theme in order]
    themes_out, matched_out = [], []
    for row_index, (themes, matched) in enumerate(zip(frame["themes"].tolist(), frame["matched"].tolist())):
        extra = {model.themes[j]: probabilities[row_index, j] for j in known
                 if probabilities[row_index, j] >= model.threshold}
        current = set(themes.split(";")) if themes else set()
        extra = {t: p for t, p in extra.items() if t not in current}
        if not extra:
            themes_out.append(themes)
            matched_out.append(matched)
            continue
        explanation = json.loads(matched)
        for theme, p in extra.items():
            explanation[theme] = [f"model:{p:.2f}"]
        ordered = sorted(current | set(extra), key=order.__getitem__)
        themes_out.append(";".join(ordered))
        matched_out.append(json.dumps({t: explanation[t] for t in ordered}, ensure_ascii=False))
    return frame.assign(themes=pd.array(themes_out, dtype="string"), matched=pd.array(matched_out, dtype="string"))

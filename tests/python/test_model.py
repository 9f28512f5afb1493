"""Unit tests of customer_segments.model on small made-up data."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from customer_segments.model.matching import assign_segment_ids, canonical_order, means_in_space
from customer_segments.model.preprocess import (
    default_transform,
    fit_preprocessor,
    inverse_slog1p,
    transform,
)
from customer_segments.model.segment_model import (
    SegmentModel,
    compute_model_version,
    fit_segment_model,
)
from customer_segments.model.selection import (
    CANDIDATE_COLUMNS,
    MAX_CONDITION_NUMBER,
    condition_number,
    fit_candidates,
)

FEATURES = ["net_spend", "order_count", "refund_share", "email_open_rate"]
BLOB_CENTERS = np.array(
    [
        [2.0, 0.5, 0.05, 0.10],
        [6.0, 2.5, 0.40, 0.60],
        [4.0, 1.0, 0.90, 0.90],
    ]
)
BLOB_SPREAD = np.array([0.25, 0.15, 0.04, 0.04])


def quiet(_: str) -> None:
    """Swallow progress lines."""


def blobs(rng: np.random.Generator, centers: np.ndarray, sizes: list[int], spread) -> np.ndarray:
    return np.vstack(
        [
            rng.normal(center, spread, size=(size, len(center)))
            for center, size in zip(centers, sizes)
        ]
    )


def customer_frame(points: np.ndarray) -> pd.DataFrame:
    """Customers whose transformed features are `points` (slog1p columns are inverted)."""
    frame = pd.DataFrame({"customer_id": [f"cust_{i:05d}" for i in range(len(points))]})
    for j, name in enumerate(FEATURES):
        column = points[:, j]
        frame[name] = inverse_slog1p(column) if default_transform(name) == "slog1p" else column
    return frame


def model_config(**overrides) -> dict:
    config = {
        "features": FEATURES,
        "k_min": 2,
        "k_max": 4,
        "covariance_types": ["full", "diag"],
        "n_init": 2,
        "seed": 7,
        "min_segment_share": 0.02,
        "clip_quantiles": [0.001, 0.999],
        "match_threshold": 1.0,
        "min_fit_customers": 50,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="module")
def three_blob_frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    return customer_frame(blobs(rng, BLOB_CENTERS, [150, 100, 70], BLOB_SPREAD))


@pytest.fixture(scope="module", params=["full", "diag"])
def fitted(request, three_blob_frame) -> tuple[SegmentModel, dict]:
    config = model_config(covariance_types=[request.param])
    return fit_segment_model(three_blob_frame, config, None, log=quiet), config


# ---- preprocessing ----------------------------------------------------------------------------


def test_default_transform_is_the_catalogue_entry():
    assert default_transform("email_open_rate") == "identity"
    assert default_transform("refund_share") == "identity"
    assert default_transform("activity_trend") == "identity"
    assert default_transform("net_spend") == "slog1p"
    # a name alone decides nothing: a column outside the catalogue is refused by name
    with pytest.raises(ValueError, match="'spend_trend' is not in the feature catalogue"):
        default_transform("spend_trend")


def test_preprocess_arithmetic_by_hand():
    frame = pd.DataFrame(
        {
            "net_spend": [-10.0, 0.0, None, 5.0, 100.0],
            "refund_share": [0.1, None, 0.3, 0.5, 0.2],
            "order_count": [3, 3, 3, 3, 3],
            "sessions_90d": [None, None, None, None, None],
        }
    )
    prep = fit_preprocessor(frame, list(frame.columns), clip_quantiles=(0.25, 0.75))

    assert prep["features"] == ["net_spend", "refund_share", "order_count"]
    assert prep["dropped_features"] == {"sessions_90d": "all null"}
    assert prep["transform"] == ["slog1p", "identity", "slog1p"]
    json.dumps(prep, allow_nan=False)

    # net_spend: fill with the median 2.5, slog1p keeps the sign, clip to the 25%/75% quantiles.
    assert prep["fill_value"][0] == 2.5
    filled = np.array([-10.0, 0.0, 2.5, 5.0, 100.0])
    slog = np.array([-math.log(11.0), 0.0, math.log(3.5), math.log(6.0), math.log(101.0)])
    np.testing.assert_allclose(np.sign(filled) * np.log1p(np.abs(filled)), slog)
    assert prep["lower"][0] == 0.0  # linear quantile 0.25 of 5 sorted values = the 2nd one
    assert prep["upper"][0] == pytest.approx(math.log(6.0))
    clipped = np.array([0.0, 0.0, math.log(3.5), math.log(6.0), math.log(6.0)])
    assert prep["center"][0] == pytest.approx(clipped.mean())
    assert prep["scale"][0] == pytest.approx(clipped.std())

    # refund_share: identity, fill with the median 0.25, quantiles 0.2 and 0.3.
    assert prep["fill_value"][1] == pytest.approx(0.25)
    assert (prep["lower"][1], prep["upper"][1]) == pytest.approx((0.2, 0.3))
    share_clipped = np.array([0.2, 0.25, 0.3, 0.3, 0.2])
    assert prep["center"][1] == pytest.approx(0.25)
    assert prep["scale"][1] == pytest.approx(0.002**0.5)

    # order_count: constant, so scale 1.0 and every standardized value 0.
    assert prep["scale"][2] == 1.0
    assert prep["center"][2] == pytest.approx(math.log(4.0))

    out = transform(frame, prep)
    assert out.shape == (5, 3)
    np.testing.assert_allclose(out[:, 0], (clipped - clipped.mean()) / clipped.std())
    np.testing.assert_allclose(
        out[:, 1], (share_clipped - share_clipped.mean()) / share_clipped.std()
    )
    np.testing.assert_allclose(out[:, 2], 0.0, atol=1e-15)

    # New rows: nulls take the training fill value, outliers are clipped to the training bounds.
    new = pd.DataFrame(
        {"net_spend": [None, -1e6, 1e6], "refund_share": [None, -5.0, 5.0], "order_count": 1}
    )
    scored = transform(new, prep)
    np.testing.assert_allclose(scored[:, 0], out[[2, 0, 4], 0])
    np.testing.assert_allclose(scored[:, 1], (np.array([0.25, 0.2, 0.3]) - 0.25) / 0.002**0.5)
    np.testing.assert_array_equal(scored[:, 2], 0.0)  # clipped to the constant's [log 4, log 4]


def test_preprocess_transform_override():
    frame = pd.DataFrame({"net_spend": [1.0, 2.0, 3.0], "refund_share": [0.1, 0.2, 0.3]})
    prep = fit_preprocessor(
        frame, ["net_spend", "refund_share"], transforms={"net_spend": "identity"}
    )
    assert prep["transform"] == ["identity", "identity"]
    with pytest.raises(ValueError, match="unknown transform"):
        fit_preprocessor(frame, ["net_spend"], transforms={"net_spend": "log"})


def test_preprocess_errors_name_the_column():
    frame = pd.DataFrame({"net_spend": [1.0, 2.0], "country": ["DK", "SE"]})
    with pytest.raises(ValueError, match="'order_count' is missing"):
        fit_preprocessor(frame, ["net_spend", "order_count"])
    with pytest.raises(ValueError, match="'country' is not numeric"):
        fit_preprocessor(frame, ["net_spend", "country"])
    prep = fit_preprocessor(frame, ["net_spend"])
    with pytest.raises(ValueError, match="'net_spend' is missing"):
        transform(frame.drop(columns="net_spend"), prep)


# ---- selection --------------------------------------------------------------------------------


def test_selection_picks_three_on_three_blobs():
    rng = np.random.default_rng(1)
    X = blobs(rng, np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]]), [200, 150, 150], 1.0)
    lines: list[str] = []
    result = fit_candidates(X, [2, 3, 4, 5], ["full", "diag"], 2, 0, 0.02, log=lines.append)
    table = result.candidates

    assert list(table.columns) == CANDIDATE_COLUMNS
    assert sorted(set(table["k"])) == [1, 2, 3, 4, 5]  # the k=1 baseline is always there
    assert len(table) == 10 and len(lines) == 11  # one line per candidate plus the choice
    assert table["chosen"].sum() == 1
    chosen = table[table["chosen"]].iloc[0]
    assert chosen["k"] == 3
    assert result.model.n_components == 3
    assert result.model.covariance_type == chosen["covariance_type"]
    eligible = table[table["rejected_reason"].isna()]
    assert chosen["bic"] == eligible["bic"].min()

    assert table["bic"].notna().all() and table["aic"].notna().all()
    assert (table["log_likelihood"] < 0).all()
    assert (table["aic"] < table["bic"]).all()  # log(500) > 2 per parameter
    assert table.loc[table["k"] == 1, "silhouette"].isna().all()
    multi = table[table["k"] > 1]
    assert multi["silhouette"].between(-1, 1).all()
    assert chosen["silhouette"] > 0.6
    assert table["converged"].dtype == bool and table["converged"].all()
    assert (table["n_iter"] >= 1).all()
    assert table["smallest_share"].between(0, 1).all()
    assert (table.loc[table["k"] == 1, "smallest_share"] == 1.0).all()
    assert chosen["smallest_share"] == pytest.approx(0.3, abs=0.01)
    assert (table["reg_covar"] == 1e-6).all()

    again = fit_candidates(X, [2, 3, 4, 5], ["full", "diag"], 2, 0, 0.02, n_jobs=1, log=quiet)
    pd.testing.assert_frame_equal(again.candidates, table)


def test_screening_refines_only_the_best_and_chooses_as_the_full_search():
    rng = np.random.default_rng(5)
    X = blobs(rng, BLOB_CENTERS, [3000, 2000, 1000], BLOB_SPREAD)
    grid = ([2, 3, 4, 5, 6], ["full", "diag"])
    full = fit_candidates(X, *grid, 2, 0, 0.02, log=quiet).candidates
    lines: list[str] = []
    result = fit_candidates(X, *grid, 2, 0, 0.02, log=lines.append, screen_size=800, refine_top=2)
    table = result.candidates

    assert list(table.columns) == CANDIDATE_COLUMNS
    assert len(table) == 12
    # the k=1 baselines and the two best screened candidates, nothing else, fitted on all rows
    best_screened = table.loc[table["k"] > 1, "screening_bic"].nsmallest(2).index
    refined = table[table["bic"].notna()]
    assert set(refined.index) == set(table.index[table["k"] == 1]) | set(best_screened)
    screened_out = table[table["rejected_reason"].fillna("").str.startswith("screened out")]
    assert len(screened_out) == 8 and screened_out["bic"].isna().all()
    assert table["screening_bic"].notna().sum() >= 10  # most candidates eligible on 800 rows
    assert 3 in set(table.loc[best_screened, "k"])
    chosen = table[table["chosen"]].iloc[0]
    full_chosen = full[full["chosen"]].iloc[0]
    assert (chosen["k"], chosen["covariance_type"]) == (3, full_chosen["covariance_type"])
    assert chosen["bic"] == pytest.approx(full_chosen["bic"], rel=1e-9)
    assert any("screened 12 candidates on 800 rows" in line for line in lines)
    # no screening when the sample is not larger than the screening size
    unscreened = fit_candidates(X, *grid, 2, 0, 0.02, log=quiet, screen_size=len(X))
    assert unscreened.candidates["screening_bic"].isna().all()
    pd.testing.assert_frame_equal(unscreened.candidates, full)


def test_selection_gives_one_segment_without_structure():
    rng = np.random.default_rng(2)
    cov = np.array([[1.0, 0.6, 0.2], [0.6, 1.0, 0.3], [0.2, 0.3, 1.0]])
    X = rng.multivariate_normal(np.zeros(3), cov, size=600)
    lines: list[str] = []
    result = fit_candidates(X, [2, 3, 4], ["full", "diag"], 2, 0, 0.02, log=lines.append)
    table = result.candidates
    chosen = table[table["chosen"]].iloc[0]
    assert (chosen["k"], chosen["covariance_type"]) == (1, "full")
    assert (table.loc[table["k"] > 1, "bic"] > chosen["bic"]).all()
    assert result.model.n_components == 1
    assert "ONE segment" in lines[-1]


def test_min_share_rejects_a_tiny_segment():
    rng = np.random.default_rng(3)
    centers = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0], [20.0, 20.0]])
    X = blobs(rng, centers, [330, 330, 330, 10], 1.0)  # the last blob is 1% of rows

    loose = fit_candidates(X, [2, 3, 4, 5], ["full"], 2, 0, 0.0, log=quiet).candidates
    assert loose.loc[loose["chosen"], "k"].item() == 4  # without the gate BIC wants the 1% blob

    table = fit_candidates(X, [2, 3, 4, 5], ["full"], 2, 0, 0.02, log=quiet).candidates
    small = table["smallest_share"] < 0.02
    assert small.any()
    assert table.loc[small, "rejected_reason"].str.startswith("smallest segment").all()
    assert not table.loc[small, "chosen"].any()
    four = table[table["k"] == 4].iloc[0]
    assert four["rejected_reason"] == f"smallest segment {four['smallest_share']:.1%} < 2.0%"
    chosen = table[table["chosen"]].iloc[0]
    assert chosen["k"] == 3 and chosen["smallest_share"] >= 0.02


def test_reg_covar_fallback_on_degenerate_columns():
    rng = np.random.default_rng(4)
    base = blobs(rng, np.array([[0.0, 0.0], [6.0, 6.0]]), [150, 150], 1.0)
    X = np.column_stack([base, base[:, 0], np.zeros(len(base))])  # duplicated + constant column
    result = fit_candidates(X, [2, 3], ["full", "diag"], 1, 0, 0.02, log=quiet)
    table = result.candidates
    assert table["bic"].notna().all()
    assert (table["reg_covar"] > 1e-6).all()
    assert set(table["reg_covar"]) <= {1e-4, 1e-3}
    assert condition_number(result.model) <= MAX_CONDITION_NUMBER
    assert table.loc[table["chosen"], "k"].item() == 2


def test_failed_fits_are_recorded_not_raised():
    rng = np.random.default_rng(5)
    offsets = np.repeat([0.0, 1.0, 2.0], 100)
    X = np.column_stack([rng.normal(size=(300, 2)), 1e9 + offsets])  # unscaled: diag EM breaks
    table = fit_candidates(X, [2, 3], ["full", "diag"], 1, 0, 0.02, log=quiet).candidates
    failed = table[(table["covariance_type"] == "diag") & (table["k"] > 1)]
    assert failed["rejected_reason"].str.startswith("fit failed at reg_covar 0.001").all()
    assert failed["bic"].isna().all() and not failed["chosen"].any()
    assert table.loc[table["chosen"], "covariance_type"].item() == "full"


def test_k_above_distinct_rows_is_skipped():
    X = np.repeat(np.array([[0.0, 0.0], [5.0, 5.0], [0.0, 5.0]]), 20, axis=0)
    table = fit_candidates(X, [2, 3, 4], ["diag"], 1, 0, 0.02, log=quiet).candidates
    four = table[table["k"] == 4].iloc[0]
    assert four["rejected_reason"] == "k=4 exceeds the 3 distinct rows"
    assert math.isnan(four["bic"]) and not four["chosen"]
    assert table.loc[table["chosen"], "k"].item() == 3


# ---- the model as data ------------------------------------------------------------------------


def test_fitted_model_shape(fitted):
    model, config = fitted
    k = len(model.weights)
    assert k == 3
    assert model.features == FEATURES
    assert sorted(model.segment_ids) == [1, 2, 3]
    assert model.next_segment_id == 4
    assert [row["event"] for row in model.lineage] == ["new"] * 3
    assert model.sample_size == 320 and model.previous_model_version is None
    assert model.model_version.startswith("gmm-") and len(model.model_version) == 16
    expected_shape = (3, 4, 4) if model.covariance_type == "full" else (3, 4)
    assert np.asarray(model.precisions_cholesky).shape == expected_shape
    assert sum(row["chosen"] for row in model.selection) == 1
    assert set(model.selection[0]) == {*CANDIDATE_COLUMNS, "space"}
    assert {row["space"] for row in model.selection} == {"features"}
    assert model.config == config


def test_to_sklearn_and_score_frame_reproduce_the_fit(fitted, three_blob_frame):
    model, config = fitted
    ordered = three_blob_frame.sort_values("customer_id").reset_index(drop=True)
    X = transform(ordered, model.prep)
    refit = fit_candidates(
        X,
        list(range(config["k_min"], config["k_max"] + 1)),
        config["covariance_types"],
        config["n_init"],
        config["seed"],
        config["min_segment_share"],
        log=quiet,
    ).model
    np.testing.assert_array_equal(refit.means_, np.asarray(model.means))

    expected = refit.predict_proba(X)
    rebuilt = model.to_sklearn()
    assert np.abs(rebuilt.predict_proba(X) - expected).max() < 1e-12
    np.testing.assert_allclose(rebuilt.covariances_, refit.covariances_, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(rebuilt.predict(X), refit.predict(X))

    scores = model.score_frame(ordered)
    assert list(scores.columns) == [1, 2, 3]
    assert scores.index.equals(ordered.index)
    assert np.abs(scores[model.segment_ids].to_numpy() - expected).max() < 1e-9
    np.testing.assert_allclose(scores.sum(axis=1), 1.0)


def test_json_round_trip_and_version(fitted, three_blob_frame):
    model, config = fitted
    text = model.to_json()
    back = SegmentModel.from_json(text)
    assert back == model
    assert back.to_json() == text
    np.testing.assert_array_equal(np.asarray(back.precisions_cholesky), model.precisions_cholesky)
    assert back.expected_version() == model.model_version

    shuffled = three_blob_frame.sample(frac=1.0, random_state=5)
    again = fit_segment_model(shuffled, config, None, log=quiet, fitted_at="2020-01-01T00:00:00")
    assert again.model_version == model.model_version

    content = json.loads(text)
    content["means"][0][0] *= 1 + 1e-14  # below the 10 significant digits hashed
    assert compute_model_version(content) == model.model_version
    content["means"][0][0] += 1e-3
    assert compute_model_version(content) != model.model_version
    content = json.loads(text)
    content["segment_ids"] = content["segment_ids"][::-1]
    assert compute_model_version(content) != model.model_version


def test_too_few_customers(three_blob_frame):
    with pytest.raises(ValueError) as error:
        fit_segment_model(three_blob_frame.head(40), model_config(), None, log=quiet)
    assert str(error.value) == "segment fit needs at least 50 customers, the fit sample has 40"


def test_refit_on_perturbed_data_keeps_ids(fitted, three_blob_frame):
    model, config = fitted
    rng = np.random.default_rng(6)
    noisy = three_blob_frame.copy()
    noisy["refund_share"] += rng.normal(0, 0.005, len(noisy))
    noisy["net_spend"] *= np.exp(rng.normal(0, 0.01, len(noisy)))
    refit = fit_segment_model(noisy, config, model, log=quiet)

    assert refit.model_version != model.model_version
    assert refit.previous_model_version == model.model_version
    assert sorted(refit.segment_ids) == [1, 2, 3]
    assert [row["event"] for row in refit.lineage] == ["carried_over"] * 3
    assert refit.next_segment_id == 4
    # Each new component carries the id of the previous segment with the nearest mean.
    previous_means, positions = means_in_space(np.asarray(model.means), model.prep, refit.prep)
    new_means = np.asarray(refit.means)[:, positions]
    for segment_id, mean in zip(refit.segment_ids, new_means):
        nearest = np.argmin(np.linalg.norm(previous_means - mean, axis=1))
        assert model.segment_ids[nearest] == segment_id
    # Customers keep their segment.
    before = model.score_frame(three_blob_frame).idxmax(axis=1)
    after = refit.score_frame(noisy).idxmax(axis=1)
    assert (before == after).mean() > 0.99


# ---- matching ---------------------------------------------------------------------------------


def test_first_model_ids_follow_weight():
    means = np.array([[0.0, 1.0], [2.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    weights = [0.2, 0.5, 0.15, 0.15]
    assert canonical_order(means, weights) == [1, 0, 3, 2]
    ids, lineage = assign_segment_ids(means, weights, None, 1.0, 1)
    assert ids == [2, 1, 4, 3]
    assert lineage == [
        {"segment_id": i, "event": "new", "related_segment_id": None, "distance": None}
        for i in [1, 2, 3, 4]
    ]


def test_matching_is_invariant_to_component_order():
    rng = np.random.default_rng(8)
    means = rng.normal(0, 3, size=(6, 3))
    weights = rng.dirichlet(np.ones(6))
    previous = [
        {"segment_id": sid, "mean": (means[i] + rng.normal(0, 0.2, 3)).tolist()}
        for sid, i in [(2, 0), (5, 3), (7, 4)]
    ]
    previous.append({"segment_id": 9, "mean": [30.0, 30.0, 30.0]})
    ids, lineage = assign_segment_ids(means, weights, previous, 1.0, 10)
    assert ids[0] == 2 and ids[3] == 5 and ids[4] == 7
    assert sorted(ids[i] for i in [1, 2, 5]) == [10, 11, 12]
    for seed in range(5):
        perm = np.random.default_rng(seed).permutation(6)
        ids_perm, lineage_perm = assign_segment_ids(
            means[perm], weights[perm], previous[::-1], 1.0, 10
        )
        assert ids_perm == [ids[p] for p in perm]
        assert lineage_perm == lineage


def test_far_away_component_gets_a_fresh_id():
    previous = [{"segment_id": 1, "mean": [0.0, 0.0]}, {"segment_id": 2, "mean": [5.0, 0.0]}]
    means = np.array([[50.0, 50.0], [0.1, 0.0], [5.0, 0.2]])
    ids, lineage = assign_segment_ids(means, [0.1, 0.5, 0.4], previous, 1.0, 3)
    assert ids == [3, 1, 2]
    events = {row["segment_id"]: (row["event"], row["related_segment_id"]) for row in lineage}
    assert events == {1: ("carried_over", None), 2: ("carried_over", None), 3: ("new", None)}
    assert lineage[0]["distance"] == pytest.approx(0.1)


def test_lineage_split():
    previous = [{"segment_id": 1, "mean": [0.0, 0.0]}, {"segment_id": 2, "mean": [10.0, 0.0]}]
    means = np.array([[-0.5, 0.0], [1.2, 0.0], [10.0, 0.0]])
    ids, lineage = assign_segment_ids(means, [0.3, 0.2, 0.5], previous, 1.0, 3)
    assert ids == [1, 3, 2]
    split = [row for row in lineage if row["segment_id"] == 3]
    assert split == [
        {"segment_id": 3, "event": "split", "related_segment_id": 1, "distance": pytest.approx(1.2)}
    ]


def test_lineage_merged_and_retired():
    previous = [
        {"segment_id": 1, "mean": [0.0, 0.0]},
        {"segment_id": 2, "mean": [1.5, 0.0]},
        {"segment_id": 3, "mean": [10.0, 0.0]},
        {"segment_id": 4, "mean": [40.0, 40.0]},
    ]
    means = np.array([[0.7, 0.0], [10.0, 0.0]])
    ids, lineage = assign_segment_ids(means, [0.6, 0.4], previous, 1.0, 5)
    assert ids == [1, 3]
    events = {row["segment_id"]: (row["event"], row["related_segment_id"]) for row in lineage}
    assert events == {
        1: ("carried_over", None),
        2: ("merged", 1),
        3: ("carried_over", None),
        4: ("retired", None),
    }
    with pytest.raises(ValueError, match="next_id 4 is not above"):
        assign_segment_ids(means, [0.6, 0.4], previous, 1.0, 4)


def test_means_in_space_maps_between_preprocessors():
    prep_from = {
        "features": ["a_rate", "b", "only_old"],
        "transform": ["identity", "slog1p", "identity"],
        "center": [1.0, 2.0, 0.0],
        "scale": [2.0, 0.5, 1.0],
    }
    prep_to = {
        "features": ["b", "only_new", "a_rate"],
        "transform": ["slog1p", "identity", "identity"],
        "center": [3.0, 0.0, 0.0],
        "scale": [1.0, 1.0, 4.0],
    }
    mapped, positions = means_in_space(np.array([[1.0, 2.0, 9.0]]), prep_from, prep_to)
    assert positions == [0, 2]
    # b: 2 * 0.5 + 2 = 3 -> (3 - 3) / 1 = 0; a_rate: 1 * 2 + 1 = 3 -> (3 - 0) / 4 = 0.75
    np.testing.assert_allclose(mapped, [[0.0, 0.75]])
    same, same_positions = means_in_space(np.array([[1.0, 2.0, 9.0]]), prep_from, prep_from)
    np.testing.assert_allclose(same, [[1.0, 2.0, 9.0]])
    assert same_positions == [0, 1, 2]


def test_days_since_nulls_mean_never_and_fill_with_the_maximum():
    frame = pd.DataFrame(
        {"days_since_last_event": [1.0, 5.0, None, 300.0], "email_open_rate": [0.1, None, 0.3, 0.5]}
    )
    prep = fit_preprocessor(frame, ["days_since_last_event", "email_open_rate"], (0.0, 1.0))
    assert prep["fill_value"] == [300.0, 0.3]


# ---- the outcome space and the validation -----------------------------------------------------


def outcome_frames(seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Customers whose next-90-day outcomes follow one feature while another has loud structure.

    `order_count` (spread evenly over 1-20) decides what happens next: the more orders, the
    likelier and bigger the next purchase. `email_open_rate` splits everyone into three tight,
    far-apart blobs that say nothing about it. A mixture of the features finds the email blobs;
    the outcome space orders customers by what they will do.
    """
    rng = np.random.default_rng(seed)

    def frame(n: int, dates: list[str], prefix: str) -> pd.DataFrame:
        orders = rng.uniform(1, 20, n)
        email = rng.choice([0.05, 0.5, 0.95], n) + rng.normal(0, 0.005, n)
        bought = rng.random(n) < 0.02 + 0.9 * (orders - 1) / 19
        spend = np.where(bought, rng.gamma(3.0, 2 + 6 * orders), 0.0)
        return pd.DataFrame(
            {
                "customer_id": [f"{prefix}{i:05d}" for i in range(n)],
                "as_of_date": pd.to_datetime(rng.choice(dates, n)),
                "order_count": orders,
                "email_open_rate": email,
                "days_since_last_order": rng.integers(0, 400, n),
                "net_spend": orders * 30.0,
                "net_spend_next_90d": spend,
                "bought_again_90d": bought,
            }
        )

    latest = frame(1500, ["2026-06-30"], "c")
    training = frame(3000, ["2025-06-30", "2025-07-31", "2025-08-31"], "t")
    validation = frame(2000, ["2026-01-31", "2026-02-28"], "v")
    return latest, training, validation


def outcome_config(**overrides) -> dict:
    return model_config(features=["order_count", "email_open_rate"], k_max=5, n_init=3, **overrides)


def test_auto_takes_the_space_that_separates_what_customers_do_next():
    latest, training, validation = outcome_frames()
    model = fit_segment_model(
        latest,
        outcome_config(),
        None,
        log=quiet,
        outcome_sample=training,
        validation_sample=validation,
    )
    figures = model.validation["spaces"]
    assert set(figures) == {"features", "outcomes"}
    assert model.space == "outcomes" == model.validation["chosen_space"]
    for name in ("net_spend_next_90d", "bought_again_90d"):
        assert figures["outcomes"][name] > figures["features"][name] + 0.1
    # The embedding maps the two features to two standardized axes, learnt on the training rows.
    weights = np.asarray(model.embedding["weights"])
    assert weights.shape == (2, 2)
    assert abs(weights[0, 0]) > 5 * abs(weights[1, 0])  # spend follows order_count, not email
    assert len(model.feature_means) == len(model.segment_ids)
    assert np.asarray(model.feature_means).shape[1] == 2
    assert {row["space"] for row in model.selection} == {"features", "outcomes"}
    assert sum(row["chosen"] for row in model.selection) == 1
    chosen = next(row for row in model.selection if row["chosen"])
    assert chosen["space"] == "outcomes" and chosen["covariance_type"] == "full"
    # The k-means baseline of the validation has as many segments, on log recency/frequency/spend.
    assert len(model.baseline["centroids"]) == len(model.segment_ids)


def test_outcome_space_scoring_round_trip_and_version():
    latest, training, validation = outcome_frames()
    config = outcome_config(segment_space="outcomes")
    model = fit_segment_model(
        latest, config, None, log=quiet, outcome_sample=training, validation_sample=validation
    )
    X = model.mixture_input(latest)
    assert X.shape == (len(latest), 2)
    expected = model.to_sklearn().predict_proba(X)
    scores = model.score_frame(latest)
    assert np.abs(scores[model.segment_ids].to_numpy() - expected).max() < 1e-12
    back = SegmentModel.from_json(model.to_json())
    assert back == model and back.expected_version() == model.model_version
    content = json.loads(model.to_json())
    content["embedding"]["weights"][0][0] += 1e-3
    assert compute_model_version(content) != model.model_version
    # A model without an embedding hashes as before (its version does not change).
    features_only = fit_segment_model(
        latest, model_config(features=config["features"]), None, quiet
    )
    assert features_only.embedding is None
    content = json.loads(features_only.to_json())
    assert (
        compute_model_version({key: value for key, value in content.items() if key != "embedding"})
        == features_only.model_version
    )


def test_outcome_space_needs_past_outcomes():
    latest, _, _ = outcome_frames()
    with pytest.raises(ValueError, match="history_months"):
        fit_segment_model(latest, outcome_config(segment_space="outcomes"), None, log=quiet)
    messages = []
    model = fit_segment_model(latest, outcome_config(), None, log=messages.append)
    assert model.space == "features" and model.validation is None
    assert any("no past as-of dates with observed outcomes" in line for line in messages)
    with pytest.raises(ValueError, match="segment_space must be one of"):
        fit_segment_model(latest, outcome_config(segment_space="both"), None, log=quiet)


def test_a_refit_in_the_outcome_space_keeps_ids():
    latest, training, validation = outcome_frames()
    config = outcome_config(segment_space="outcomes")
    first = fit_segment_model(
        latest, config, None, log=quiet, outcome_sample=training, validation_sample=validation
    )
    latest2, training2, validation2 = outcome_frames(seed=4)
    second = fit_segment_model(
        latest2,
        {**config, "seed": 8},
        first,
        log=quiet,
        outcome_sample=training2,
        validation_sample=validation2,
    )
    events = {row["segment_id"]: row["event"] for row in second.lineage}
    carried = {segment for segment, event in events.items() if event == "carried_over"}
    # Segments of a continuum: the refit may merge two, but what it keeps keeps its id.
    assert carried == set(first.segment_ids) & set(second.segment_ids)
    assert len(carried) >= len(first.segment_ids) - 1
    assert set(events) == set(first.segment_ids) | set(second.segment_ids)


def test_k_tolerance_prefers_fewer_segments_that_fit_almost_as_well():
    rng = np.random.default_rng(5)
    X = blobs(rng, np.array([[0.0, 0.0], [6.0, 0.0], [6.3, 0.0]]), [300, 150, 150], [0.5, 0.5])
    grid = dict(k_values=[2, 3, 4], covariance_types=["full"], n_init=3, seed=1, min_share=0.02)
    exact = fit_candidates(X, **grid, log=quiet, k_tolerance=0.0).candidates
    lenient = fit_candidates(X, **grid, log=quiet, k_tolerance=0.5).candidates
    best_k = int(exact.loc[exact["chosen"], "k"].item())
    chosen = lenient.loc[lenient["chosen"]].iloc[0]
    lowest = exact.loc[exact["rejected_reason"].isna(), "bic"].min()
    assert int(chosen["k"]) <= best_k
    assert chosen["bic"] <= lowest + 0.5 * len(X)
    assert int(chosen["k"]) == 2  # the two close blobs are one segment at this tolerance
    with pytest.raises(ValueError, match="k_tolerance"):
        fit_candidates(X, **grid, log=quiet, k_tolerance=-1.0)


def test_eta_squared_by_hand():
    from customer_segments.model.outcomes import eta_squared, validation_figures

    values = [1.0, 3.0, 10.0, 14.0]
    # mean 7; total SS 36 + 16 + 9 + 49 = 110; groups (1, 3) and (10, 14): means 2 and 12,
    # between SS 2 * 25 + 2 * 25 = 100.
    assert eta_squared(values, ["a", "a", "b", "b"]) == pytest.approx(100 / 110)
    # groups (1, 10) and (3, 14): means 5.5 and 8.5, between SS 2 * 2.25 + 2 * 2.25 = 9.
    assert eta_squared(values, ["a", "b", "a", "b"]) == pytest.approx(9 / 110)
    assert math.isnan(eta_squared([5.0, 5.0], ["a", "b"]))
    frame = pd.DataFrame(
        {
            "as_of_date": ["d1"] * 4 + ["d2"] * 2,
            "net_spend_next_90d": [1.0, 3.0, 10.0, 14.0, 0.0, 8.0],
            "bought_again_90d": [False, True, True, True, False, True],
        }
    )
    figures = validation_figures(frame, ["a", "a", "b", "b", "a", "b"])
    assert figures["net_spend_next_90d"] == pytest.approx((100 / 110 + 1.0) / 2)


def test_kmeans_baseline_assigns_like_scikit_learn():
    from sklearn.cluster import KMeans

    from customer_segments.model.outcomes import (
        assign_kmeans_baseline,
        baseline_matrix,
        fit_kmeans_baseline,
    )

    latest, _, _ = outcome_frames()
    baseline = fit_kmeans_baseline(latest, 3, seed=0)
    X = baseline_matrix(latest)
    scaled = (X - np.asarray(baseline["center"])) / np.asarray(baseline["scale"])
    reference = KMeans(n_clusters=3, n_init=10, random_state=0).fit(scaled)
    np.testing.assert_allclose(baseline["centroids"], reference.cluster_centers_)
    np.testing.assert_array_equal(
        assign_kmeans_baseline(latest, baseline), reference.predict(scaled)
    )

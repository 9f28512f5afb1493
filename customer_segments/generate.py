"""Deterministic synthetic customers, orders and events: planted groups or a realistic log.

Writes ``customers``, ``orders`` (refunds are rows with negative amounts), ``events`` (session,
email_sent, email_open, email_click, support_ticket) and ``true_groups`` (the planted group of
every customer, for checking a segmentation; the pipeline never reads it). Six groups of buyers
(see ``GROUPS``) plus customers who never ordered, over three years of history ending on the end
date, with seasonality, log-normal order amounts and a weekly newsletter. That is the `planted`
profile, clean enough that a segmentation can be checked against it. The `realistic` profile
(``generate_realistic_block``) is shaped like real purchase logs instead: most customers buy once,
order counts and spend are heavy-tailed, each customer's purchase rate and chance of lapsing are
hidden variables, lapsed customers sometimes come back, and refunds and tickets are zero-inflated;
its ``true_groups`` are hidden classes that overlap in every feature.

Customers are generated in fixed blocks of ``BLOCK_SIZE``; each block draws from its own random
stream, ``SeedSequence(seed, spawn_key=(block,))`` (the block-th child of ``SeedSequence(seed)``).
The data therefore depend on the seed only: ``--chunk-size`` changes how many customers are held
in memory and written per row group, never the rows themselves. Ids are numbered in output order.

Usage::

    python -m customer_segments.generate --customers 50000 --seed 1 --out data/synthetic
    customer-segments-generate --customers 5000 --seed 7 --out seeds --dbt-seeds \
        --truth-out tests/fixtures/sample_true_groups.csv
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

BLOCK_SIZE = 1_000
DAY = 86_400
WEEK = 7 * DAY
MONTH = 30 * DAY
HISTORY_YEARS = 3
DEFAULT_END_DATE = date(2026, 6, 30)
DEFAULT_CHUNK_SIZE = 200_000
BOTH_FORMATS_MAX_CUSTOMERS = 100_000
MAX_CUSTOMERS = 99_999_999
ROW_GROUP_ROWS = 1_000_000  # orders and events are written in row groups of at most this many
# Trips grow with tenure to this power: long-standing customers buy less often.
TENURE_EXPONENT = 0.3

EVENT_TYPES = ("session", "email_sent", "email_open", "email_click", "support_ticket")
SESSION, EMAIL_SENT, EMAIL_OPEN, EMAIL_CLICK, SUPPORT_TICKET = range(len(EVENT_TYPES))
COUNTRIES = ("US", "GB", "DE", "FR", "CA", "NL", "ES", "AU")
COUNTRY_WEIGHTS = (0.34, 0.15, 0.12, 0.10, 0.08, 0.07, 0.08, 0.06)
CHANNELS = ("organic", "paid_search", "social", "referral", "email")

# Weekly newsletter at 10:00 UTC on each subscriber's own send day, spread over half an hour.
CAMPAIGN_HOUR = 10
CAMPAIGN_SPREAD_SECONDS = 1_800
# The newsletter started this long before the end date.
NEWSLETTER_WEEKS = 39
# Sends stop this long after a subscriber's last opened email (list hygiene).
SUNSET_SECONDS = 26 * WEEK
# Order and session volume by calendar month: Nov/Dec peak, summer dip.
MONTH_WEIGHTS = (0.95, 0.90, 1.00, 1.00, 1.00, 0.85, 0.78, 0.80, 1.00, 1.05, 1.45, 1.65)
WEEKDAY_WEIGHTS = (1.00, 0.98, 0.98, 1.00, 1.02, 1.10, 1.08)
HOUR_WEIGHTS = (
    0.30, 0.20, 0.15, 0.10, 0.10, 0.15, 0.30, 0.50, 0.70, 0.90, 1.00, 1.00,
    1.10, 1.10, 1.00, 1.00, 1.05, 1.10, 1.30, 1.50, 1.60, 1.40, 1.00, 0.60,
)  # fmt: skip


@dataclass(frozen=True)
class GroupProfile:
    """Behaviour of one planted group: times in days, rates per 30-day month."""

    name: str
    share: float
    signup_age: tuple[float, float]  # days before the end date, uniform
    first_order_lag: float  # mean days from sign-up to the first order
    recency: tuple[float, float, float, float]  # days since last order: median, sigma, min, max
    base_trips: int  # shopping trips at least (0: never orders)
    trip_rate: float  # further trips per month at one year of tenure (slower later)
    follow_up_share: float  # share of trips with a second order in the days before
    order_value: float  # median purchase amount
    refund_rate: float  # share of purchases refunded
    session_rate: float  # sessions per month from sign-up until the fade
    session_fade_days: float  # days after the last order (or sign-up) when sessions fall off
    session_rate_faded: float
    ticket_rate: float  # support tickets per month since sign-up
    ticket_rate_late: float  # extra tickets per month from 60 days before the last order
    subscribe_share: float  # share subscribed to the newsletter
    subscription_weeks: float  # mean weeks until unsubscribing
    email_stop_days: float  # days after the last order when sends stop for good
    open_rate: float  # opens per send (mean of a per-customer beta)
    click_rate: float  # clicks per open (mean of a per-customer beta)
    no_events_share: float  # customers never seen in the event stream
    channel_weights: tuple[float, float, float, float, float]  # in CHANNELS order


NEVER = math.inf
# The groups differ in recency, frequency, spend, sessions, email engagement and support tickets,
# each feature overlapping between some groups. Within a group every engagement feature is either
# spread out or the same for everyone (e.g. no clicks at all), so a mixture model finds the groups
# rather than splitting one by who happened to have a single click or refund.
# fmt: off
GROUPS: tuple[GroupProfile, ...] = (
    # Recent, very frequent, high spend, many sessions, high open and click rates.
    GroupProfile(
        "champions", share=0.08, signup_age=(240, 1095), first_order_lag=10,
        recency=(6, 0.8, 0, 40), base_trips=2, trip_rate=1.3, follow_up_share=0.5,
        order_value=130, refund_rate=0.0,
        session_rate=3.5, session_fade_days=NEVER, session_rate_faded=0.0,
        ticket_rate=0.1, ticket_rate_late=0.0,
        subscribe_share=1.0, subscription_weeks=NEVER, email_stop_days=NEVER,
        open_rate=0.75, click_rate=0.45, no_events_share=0.0,
        channel_weights=(0.35, 0.15, 0.10, 0.30, 0.10),
    ),
    # Regular monthly buyers, moderate recency, medium spend, few sessions, middling email.
    GroupProfile(
        "loyal", share=0.18, signup_age=(240, 1095), first_order_lag=14,
        recency=(30, 0.5, 4, 120), base_trips=2, trip_rate=0.7, follow_up_share=0.25,
        order_value=45, refund_rate=0.0,
        session_rate=0.6, session_fade_days=NEVER, session_rate_faded=0.0,
        ticket_rate=0.1, ticket_rate_late=0.0,
        subscribe_share=1.0, subscription_weeks=NEVER, email_stop_days=NEVER,
        open_rate=0.35, click_rate=0.35, no_events_share=0.0,
        channel_weights=(0.35, 0.20, 0.15, 0.15, 0.15),
    ),
    # Signed up and placed a first order within the last 60 days; browse a lot, open emails.
    GroupProfile(
        "new", share=0.12, signup_age=(1, 60), first_order_lag=3,
        recency=(18, 0.9, 0, 60), base_trips=1, trip_rate=0.0, follow_up_share=0.0,
        order_value=45, refund_rate=0.0,
        session_rate=7.0, session_fade_days=NEVER, session_rate_faded=0.0,
        ticket_rate=0.2, ticket_rate_late=0.0,
        subscribe_share=1.0, subscription_weeks=NEVER, email_stop_days=NEVER,
        open_rate=0.55, click_rate=0.0, no_events_share=0.0,
        channel_weights=(0.25, 0.30, 0.30, 0.10, 0.05),
    ),
    # Used to buy often and spend well; last order 120-300 days ago, sessions stopped soon
    # after, rarely open emails, many support tickets around and after the last order.
    GroupProfile(
        "at_risk", share=0.14, signup_age=(420, 1095), first_order_lag=14,
        recency=(200, 0.3, 120, 300), base_trips=2, trip_rate=0.37, follow_up_share=0.4,
        order_value=75, refund_rate=0.0,
        session_rate=1.0, session_fade_days=30, session_rate_faded=0.0,
        ticket_rate=0.0, ticket_rate_late=1.2,
        subscribe_share=0.9, subscription_weeks=5000, email_stop_days=NEVER,
        open_rate=0.15, click_rate=0.0, no_events_share=0.0,
        channel_weights=(0.30, 0.25, 0.15, 0.15, 0.15),
    ),
    # One small order 300+ days ago, hardly any events since, emails stopped.
    GroupProfile(
        "dormant", share=0.28, signup_age=(330, 1095), first_order_lag=10,
        recency=(450, 0.35, 300, 1095), base_trips=1, trip_rate=0.0, follow_up_share=0.0,
        order_value=35, refund_rate=0.0,
        session_rate=0.25, session_fade_days=30, session_rate_faded=0.0,
        ticket_rate=0.0, ticket_rate_late=0.0,
        subscribe_share=0.45, subscription_weeks=20, email_stop_days=90,
        open_rate=0.04, click_rate=0.10, no_events_share=0.15,
        channel_weights=(0.20, 0.35, 0.30, 0.05, 0.10),
    ),
    # Frequent small orders, about 30% of them refunded, click through most opened emails.
    GroupProfile(
        "bargain_hunters", share=0.15, signup_age=(240, 1095), first_order_lag=14,
        recency=(20, 0.7, 0, 90), base_trips=2, trip_rate=0.45, follow_up_share=0.5,
        order_value=18, refund_rate=0.30,
        session_rate=1.5, session_fade_days=NEVER, session_rate_faded=0.0,
        ticket_rate=0.15, ticket_rate_late=0.0,
        subscribe_share=1.0, subscription_weeks=NEVER, email_stop_days=NEVER,
        open_rate=0.35, click_rate=0.8, no_events_share=0.0,
        channel_weights=(0.15, 0.35, 0.25, 0.05, 0.20),
    ),
    # Signed up, never ordered; a few sessions after sign-up, some newsletter traffic.
    GroupProfile(
        "no_orders", share=0.05, signup_age=(1, 1095), first_order_lag=0,
        recency=(1, 0.0, 0, 0), base_trips=0, trip_rate=0.0, follow_up_share=0.0,
        order_value=0, refund_rate=0.0,
        session_rate=0.8, session_fade_days=45, session_rate_faded=0.03,
        ticket_rate=0.02, ticket_rate_late=0.0,
        subscribe_share=0.40, subscription_weeks=20, email_stop_days=NEVER,
        open_rate=0.10, click_rate=0.10, no_events_share=0.30,
        channel_weights=(0.20, 0.30, 0.35, 0.05, 0.10),
    ),
)
# fmt: on
GROUP_NAMES = tuple(group.name for group in GROUPS)


def _profile_column(name: str) -> np.ndarray:
    """Return one GroupProfile field as an array indexed by group code."""
    return np.array([getattr(group, name) for group in GROUPS], dtype=np.float64)


def _cumulative(weights: Sequence[float]) -> np.ndarray:
    """Return normalised cumulative weights whose last entry is exactly 1."""
    cum = np.cumsum(np.asarray(weights, dtype=np.float64))
    cum /= cum[-1]
    cum[-1] = 1.0
    return cum


_P = {
    f.name: _profile_column(f.name)
    for f in fields(GroupProfile)
    if f.name not in ("name", "share", "signup_age", "recency", "channel_weights")
}
_P |= {
    f"signup_age_{bound}": np.array([g.signup_age[i] for g in GROUPS], dtype=np.float64)
    for i, bound in enumerate(("lo", "hi"))
}
_P |= {
    f"recency_{part}": np.array([g.recency[i] for g in GROUPS], dtype=np.float64)
    for i, part in enumerate(("median", "sigma", "lo", "hi"))
}
_GROUP_CUM = _cumulative([group.share for group in GROUPS])
_COUNTRY_CUM = _cumulative(COUNTRY_WEIGHTS)
_CHANNEL_CUM = np.stack([_cumulative(group.channel_weights) for group in GROUPS])
_HOUR_CUM = _cumulative(HOUR_WEIGHTS)
_QUADS = np.frombuffer(b"".join(b"%04d" % i for i in range(10_000)), dtype=np.uint32)


@dataclass(frozen=True)
class Calendar:
    """Time axis of the data: seconds since the first day of history, all UTC."""

    end_date: date
    start_date: date
    end: int  # last valid second (end_date 23:59:59), relative to start_date
    start_epoch: int  # start_date 00:00:00 in Unix seconds
    day_cum: np.ndarray  # cumulative seasonal weight, one entry per day boundary
    newsletter_start: int  # first possible newsletter send time

    @classmethod
    def build(cls, end_date: date) -> Calendar:
        """Build the calendar of the HISTORY_YEARS ending on end_date."""
        try:
            start_date = end_date.replace(year=end_date.year - HISTORY_YEARS)
        except ValueError:  # 29 February
            start_date = end_date.replace(year=end_date.year - HISTORY_YEARS, day=28)
        start_date += timedelta(days=1)
        n_days = (end_date - start_date).days + 1
        days = [start_date + timedelta(days=i) for i in range(n_days)]
        weights = np.array(
            [MONTH_WEIGHTS[d.month - 1] * WEEKDAY_WEIGHTS[d.weekday()] for d in days]
        )
        day_cum = np.concatenate([[0.0], np.cumsum(weights)])
        newsletter_start = (n_days - 7 * NEWSLETTER_WEEKS) * DAY + CAMPAIGN_HOUR * 3600
        start_epoch = (start_date - date(1970, 1, 1)).days * DAY
        return cls(end_date, start_date, n_days * DAY - 1, start_epoch, day_cum, newsletter_start)

    def sample(self, rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Draw one time per row in [lo, hi], following the seasonal and daily rhythm."""
        n = lo.size
        lo_day = lo // DAY
        hi_day = hi // DAY
        base = self.day_cum[lo_day]
        u = base + rng.random(n) * (self.day_cum[hi_day + 1] - base)
        day = np.searchsorted(self.day_cum, u, side="right") - 1
        np.clip(day, lo_day, hi_day, out=day)
        hour = np.searchsorted(_HOUR_CUM, rng.random(n), side="right")
        t = day * DAY + hour * 3600 + rng.integers(0, 3600, n)
        return np.clip(t, lo, hi, out=t)


@dataclass
class Block:
    """Generated rows for a run of customers; owners index its customers, times are seconds."""

    signup: np.ndarray
    group: np.ndarray
    country: np.ndarray
    channel: np.ndarray
    order_owner: np.ndarray
    order_time: np.ndarray
    order_cents: np.ndarray
    event_owner: np.ndarray
    event_time: np.ndarray
    event_type: np.ndarray

    @property
    def n_customers(self) -> int:
        """Number of customers in the block."""
        return int(self.signup.size)

    def slice(self, lo: int, hi: int) -> Block:
        """Return customers lo..hi-1 with their rows, owners renumbered from 0."""
        o_lo, o_hi = np.searchsorted(self.order_owner, [lo, hi])
        e_lo, e_hi = np.searchsorted(self.event_owner, [lo, hi])
        return Block(
            self.signup[lo:hi],
            self.group[lo:hi],
            self.country[lo:hi],
            self.channel[lo:hi],
            self.order_owner[o_lo:o_hi] - lo,
            self.order_time[o_lo:o_hi],
            self.order_cents[o_lo:o_hi],
            self.event_owner[e_lo:e_hi] - lo,
            self.event_time[e_lo:e_hi],
            self.event_type[e_lo:e_hi],
        )

    @classmethod
    def concat(cls, blocks: Sequence[Block]) -> Block:
        """Stack blocks, shifting owners so they index the combined customers."""
        offsets = np.cumsum([0] + [b.n_customers for b in blocks[:-1]])
        return cls(
            np.concatenate([b.signup for b in blocks]),
            np.concatenate([b.group for b in blocks]),
            np.concatenate([b.country for b in blocks]),
            np.concatenate([b.channel for b in blocks]),
            np.concatenate([b.order_owner + o for b, o in zip(blocks, offsets, strict=True)]),
            np.concatenate([b.order_time for b in blocks]),
            np.concatenate([b.order_cents for b in blocks]),
            np.concatenate([b.event_owner + o for b, o in zip(blocks, offsets, strict=True)]),
            np.concatenate([b.event_time for b in blocks]),
            np.concatenate([b.event_type for b in blocks]),
        )


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's owner and its position within the owner, for per-owner row counts."""
    owner = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(owner.size) - starts[owner]


def _poisson_times(
    rng: np.random.Generator,
    cal: Calendar,
    rate: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw a Poisson number of seasonal times per owner in [lo, hi] at rate per month."""
    counts = rng.poisson(rate * np.maximum(hi - lo, 0) / MONTH)
    owner = np.repeat(np.arange(counts.size), counts)
    return owner, cal.sample(rng, lo[owner], hi[owner])


def _log_normal(
    rng: np.random.Generator, median: np.ndarray, sigma: float | np.ndarray
) -> np.ndarray:
    """Draw log-normal values with the given medians."""
    return median * np.exp(sigma * rng.standard_normal(np.shape(median)))


def _propensity(
    rng: np.random.Generator, mean: np.ndarray, concentration: float = 40.0
) -> np.ndarray:
    """Draw per-customer probabilities from a beta distribution around each mean."""
    inside = (mean > 0) & (mean < 1)
    safe = np.where(inside, mean, 0.5)
    drawn = rng.beta(safe * concentration, (1 - safe) * concentration)
    return np.where(inside, drawn, mean)


def _email_events(
    rng: np.random.Generator,
    cal: Calendar,
    subscribed: np.ndarray,
    signup: np.ndarray,
    anchor: np.ndarray,
    subscription_weeks: np.ndarray,
    email_stop_days: np.ndarray,
    open_rate: np.ndarray,
    click_rate: np.ndarray,
) -> list[tuple[int, tuple[np.ndarray, np.ndarray]]]:
    """Return weekly newsletter sends, opens and clicks per subscriber, as (type, rows) parts.

    Sends run from just after sign-up until the subscriber leaves (exponential, mean
    `subscription_weeks`), `email_stop_days` after `anchor`, or the list's sunset after the last
    open; opens and clicks follow each send with per-customer propensities around the means.
    """
    n = signup.size
    end = cal.end
    sub_lo = np.minimum(signup + rng.exponential(DAY, n).astype(np.int64), end)
    sub_hi = sub_lo + rng.exponential(1.0, n) * np.minimum(subscription_weeks, 1e9) * WEEK
    sub_hi = np.minimum(np.minimum(sub_hi, anchor + email_stop_days * DAY), end)
    send_day = cal.newsletter_start + rng.integers(0, 7, n) * DAY
    first_week = np.maximum(-((send_day - sub_lo) // WEEK), 0)
    last_week = (np.minimum(sub_hi, end - CAMPAIGN_SPREAD_SECONDS) - send_day) // WEEK
    weeks = np.where(subscribed, np.maximum(last_week - first_week + 1, 0), 0)
    send_owner, send_pos = _expand(weeks.astype(np.int64))
    send_t = send_day[send_owner] + (first_week[send_owner] + send_pos) * WEEK
    send_t = send_t + rng.integers(0, CAMPAIGN_SPREAD_SECONDS, send_owner.size)
    open_p = _propensity(rng, open_rate)
    click_p = _propensity(rng, click_rate)
    opened = rng.random(send_owner.size) < open_p[send_owner]
    last_open = sub_lo.copy()
    np.maximum.at(last_open, send_owner[opened], send_t[opened])
    kept = send_t <= last_open[send_owner] + SUNSET_SECONDS
    send_owner, send_t, opened = send_owner[kept], send_t[kept], opened[kept]
    open_owner = send_owner[opened]
    delay = _log_normal(rng, np.full(open_owner.size, 7_200.0), 1.2).astype(np.int64)
    open_t = send_t[opened] + 60 + delay
    in_range = open_t <= end
    open_owner, open_t = open_owner[in_range], open_t[in_range]
    clicked = rng.random(open_owner.size) < click_p[open_owner]
    click_owner = open_owner[clicked]
    click_t = open_t[clicked] + 20 + rng.exponential(180.0, click_owner.size).astype(np.int64)
    in_range = click_t <= end
    return [
        (EMAIL_SENT, (send_owner, send_t)),
        (EMAIL_OPEN, (open_owner, open_t)),
        (EMAIL_CLICK, (click_owner[in_range], click_t[in_range])),
    ]


def generate_block(seed: int, block: int, cal: Calendar) -> Block:
    """Generate BLOCK_SIZE customers and all their orders and events from one random stream."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
    n = BLOCK_SIZE
    end = cal.end
    group = np.minimum(np.searchsorted(_GROUP_CUM, rng.random(n), side="right"), len(GROUPS) - 1)
    country = np.searchsorted(_COUNTRY_CUM, rng.random(n), side="right")
    channel = (rng.random(n)[:, None] >= _CHANNEL_CUM[group]).sum(axis=1)
    p = {name: values[group] for name, values in _P.items()}

    age = rng.uniform(p["signup_age_lo"], p["signup_age_hi"]) * DAY
    signup = np.maximum(end - age, 0).astype(np.int64)

    # Purchases come in trips: the first soon after sign-up, the last `recency` before the end,
    # the rest between; a trip may have further orders in the days before it.
    latest = end - p["recency_lo"] * DAY
    first = np.minimum(signup + rng.exponential(1.0, n) * p["first_order_lag"] * DAY, latest)
    recency = np.clip(
        _log_normal(rng, p["recency_median"], p["recency_sigma"]), p["recency_lo"], p["recency_hi"]
    )
    last = np.clip(end - recency * DAY, first, latest).astype(np.int64)
    first = first.astype(np.int64)
    months = (last - first) / MONTH
    trips = _log_normal(rng, p["trip_rate"], 0.15) * 12 * (months / 12) ** TENURE_EXPONENT
    n_trips = p["base_trips"].astype(np.int64) + np.floor(trips + rng.random(n)).astype(np.int64)
    owner, pos = _expand(n_trips)
    between = cal.sample(rng, first[owner], last[owner])
    single = n_trips[owner] == 1
    t = np.where(pos == 1, last[owner], between)
    t = np.where(pos == 0, np.where(single, last[owner], first[owner]), t)
    trip = np.flatnonzero(rng.random(owner.size) < p["follow_up_share"][owner])
    before = rng.integers(3600, 10 * DAY, trip.size)
    owner = np.concatenate([owner, owner[trip]])
    t = np.concatenate([t, np.maximum(t[trip] - before, signup[owner[trip]])])
    basket = _log_normal(rng, p["order_value"], 0.3)
    cents = np.maximum(np.rint(_log_normal(rng, basket[owner], 0.45) * 100), 100).astype(np.int64)

    # Refunds: own rows with negative amounts, after the purchase, never more than it.
    refunded = np.flatnonzero(rng.random(owner.size) < p["refund_rate"][owner])
    k = refunded.size
    share = np.where(rng.random(k) < 0.6, 1.0, rng.uniform(0.2, 0.9, k))
    refund_cents = np.maximum(np.floor(cents[refunded] * share), 1).astype(np.int64)
    refund_t = t[refunded] + 3600 + rng.exponential(5 * DAY, k).astype(np.int64)
    keep = refund_t <= end
    order_owner = np.concatenate([owner, owner[refunded][keep]])
    order_time = np.concatenate([t, refund_t[keep]])
    order_cents = np.concatenate([cents, -refund_cents[keep]])
    order = np.argsort((order_owner << 32) | order_time, kind="stable")

    # Events: sessions and support tickets as seasonal Poisson processes.
    active = rng.random(n) >= p["no_events_share"]
    anchor = np.where(p["base_trips"] > 0, last, signup)
    fade = np.minimum(anchor + p["session_fade_days"] * DAY, end).astype(np.int64)
    intensity = _log_normal(rng, np.where(active, 1.0, 0.0), 0.35)
    end_arr = np.full(n, end, dtype=np.int64)
    late = np.maximum(anchor - 60 * DAY, signup)
    parts = [
        (SESSION, _poisson_times(rng, cal, p["session_rate"] * intensity, signup, fade)),
        (SESSION, _poisson_times(rng, cal, p["session_rate_faded"] * intensity, fade, end_arr)),
        (SUPPORT_TICKET, _poisson_times(rng, cal, p["ticket_rate"] * active, signup, end_arr)),
        (SUPPORT_TICKET, _poisson_times(rng, cal, p["ticket_rate_late"] * active, late, end_arr)),
    ]

    # Email: weekly sends while subscribed; an open follows a send, a click follows an open.
    subscribed = active & (rng.random(n) < p["subscribe_share"])
    parts += _email_events(
        rng,
        cal,
        subscribed,
        signup,
        anchor,
        p["subscription_weeks"],
        p["email_stop_days"],
        p["open_rate"],
        p["click_rate"],
    )
    # One sortable key per event: owner, then time, then type.
    key = np.concatenate(
        [(owners.astype(np.int64) << 35) | (times << 3) | code for code, (owners, times) in parts]
    )
    key.sort()
    return Block(
        signup=signup.astype(np.int32),
        group=group.astype(np.int8),
        country=country.astype(np.int8),
        channel=channel.astype(np.int8),
        order_owner=order_owner[order].astype(np.int32),
        order_time=order_time[order].astype(np.int32),
        order_cents=order_cents[order],
        event_owner=(key >> 35).astype(np.int32),
        event_time=((key >> 3) & 0xFFFFFFFF).astype(np.int32),
        event_type=(key & 7).astype(np.int8),
    )


@dataclass(frozen=True)
class BuyerClass:
    """A hidden class of the realistic profile: distributions, not fixed behaviour.

    Rates are per 30-day month at an average point of the seasonal calendar. Each customer draws
    their own purchase rate (gamma, mean `rate`, shape `rate_shape`) and their own chance of
    lapsing after each purchase (beta, mean `lapse`); classes overlap in every feature.
    """

    name: str
    share: float  # share of the customers who ever order
    rate: float  # mean purchases per month while active
    rate_shape: float  # gamma shape of the per-customer rate (small: heavy tail)
    lapse: float  # mean chance of lapsing for good after each purchase
    lapse_concentration: float  # beta concentration of the per-customer lapse chance
    basket: float  # median order value of the class
    basket_sigma: float  # log-normal spread of the per-customer median order value
    refunder_share: float  # share of customers who ever refund (zero-inflated refunds)
    refund_rate: float  # share of a refunder's purchases refunded
    comeback: float  # chance that a lapsed customer comes back (once more each time)
    session_rate: float  # sessions per month while active
    subscribe_share: float  # share subscribed to the newsletter
    open_rate: float  # opens per send of those who open at all
    click_rate: float  # clicks per open
    ticket_per_order: float  # chance of a support ticket after an order


# fmt: off
BUYER_CLASSES: tuple[BuyerClass, ...] = (
    BuyerClass(
        "casual", share=0.58, rate=0.12, rate_shape=0.9, lapse=0.6, lapse_concentration=3.0,
        basket=32, basket_sigma=0.55, refunder_share=0.08, refund_rate=0.3, comeback=0.15,
        session_rate=0.5, subscribe_share=0.5, open_rate=0.15, click_rate=0.15,
        ticket_per_order=0.03,
    ),
    BuyerClass(
        "regular", share=0.28, rate=0.45, rate_shape=1.2, lapse=0.22, lapse_concentration=4.0,
        basket=42, basket_sigma=0.5, refunder_share=0.12, refund_rate=0.2, comeback=0.25,
        session_rate=1.5, subscribe_share=0.7, open_rate=0.3, click_rate=0.25,
        ticket_per_order=0.04,
    ),
    BuyerClass(
        "loyal", share=0.09, rate=1.3, rate_shape=1.5, lapse=0.06, lapse_concentration=6.0,
        basket=55, basket_sigma=0.5, refunder_share=0.15, refund_rate=0.15, comeback=0.35,
        session_rate=4.0, subscribe_share=0.85, open_rate=0.45, click_rate=0.35,
        ticket_per_order=0.05,
    ),
    BuyerClass(
        "deal_seeker", share=0.05, rate=0.7, rate_shape=1.2, lapse=0.15, lapse_concentration=4.0,
        basket=18, basket_sigma=0.45, refunder_share=0.6, refund_rate=0.35, comeback=0.3,
        session_rate=2.5, subscribe_share=0.9, open_rate=0.4, click_rate=0.6,
        ticket_per_order=0.1,
    ),
)
# fmt: on
NEVER_ORDERED = "never_ordered"
REALISTIC_NAMES = (*(c.name for c in BUYER_CLASSES), NEVER_ORDERED)
# Share of sign-ups who never order; of those who order, share never seen in the event stream.
NEVER_ORDERED_SHARE = 0.08
NO_EVENTS_SHARE = 0.10
ACQUISITION_GROWTH = math.log(2.0)  # sign-ups per day double over the history
MAX_SPELLS = 3  # first purchase spell plus at most two comebacks
MAX_PURCHASES_PER_SPELL = 400
COMEBACK_MEAN_DAYS = 270.0  # mean (seasonal) days from lapsing to coming back ...
COMEBACK_MIN_DAYS = 60.0  # ... and never sooner than this
COMEBACK_RATE_FACTOR = 0.8  # purchase rate after a comeback, relative to before
WHALE_SHARE = 0.02  # customers whose order values carry a Pareto multiplier (heavy tail)
WHALE_PARETO = 1.5
NEVER_OPENS_SHARE = 0.25  # subscribers who never open an email
NEWSLETTER_WEEKS_SUBSCRIBED = 60.0  # mean weeks until unsubscribing
_CLASS = {
    f.name: np.array([getattr(c, f.name) for c in BUYER_CLASSES], dtype=np.float64)
    for f in fields(BuyerClass)
    if f.name != "name"
}
_CLASS_CUM = _cumulative(_CLASS["share"])


def _warped_to_seconds(rng: np.random.Generator, cal: Calendar, warped: np.ndarray) -> np.ndarray:
    """Map seasonal time (cumulative day weights) to calendar seconds, with a daily rhythm."""
    day = np.searchsorted(cal.day_cum, warped, side="right") - 1
    np.clip(day, 0, cal.day_cum.size - 2, out=day)
    hour = np.searchsorted(_HOUR_CUM, rng.random(warped.size), side="right")
    t = day * DAY + hour * 3600 + rng.integers(0, 3600, warped.size)
    return np.minimum(t, cal.end)


def generate_realistic_block(seed: int, block: int, cal: Calendar) -> Block:
    """Generate BLOCK_SIZE customers of the realistic profile from one random stream.

    Each buyer's purchases follow a lapse-and-return process in seasonal time: a first purchase
    at acquisition, further ones at the customer's own rate, after each a chance of lapsing for
    good, and after lapsing a chance of coming back once more (at most MAX_SPELLS spells). Most
    customers buy once; spend is heavy-tailed; refunds and tickets are zero-inflated.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
    n = BLOCK_SIZE
    horizon = float(cal.day_cum[-1])
    end = cal.end
    buyer = rng.random(n) >= NEVER_ORDERED_SHARE
    klass = np.minimum(
        np.searchsorted(_CLASS_CUM, rng.random(n), side="right"), len(BUYER_CLASSES) - 1
    )
    group = np.where(buyer, klass, len(BUYER_CLASSES))
    country = np.searchsorted(_COUNTRY_CUM, rng.random(n), side="right")
    channel = np.searchsorted(_cumulative((0.3, 0.3, 0.2, 0.1, 0.1)), rng.random(n), side="right")
    c = {name: values[klass] for name, values in _CLASS.items()}

    # Acquisition grows over the history and follows the seasons.
    u = rng.random(n)
    first = horizon * np.log1p(u * math.expm1(ACQUISITION_GROWTH)) / ACQUISITION_GROWTH
    first_t = _warped_to_seconds(rng, cal, first)
    signup = np.maximum(first_t - rng.exponential(3 * DAY, n).astype(np.int64), 0)

    rate = rng.gamma(c["rate_shape"], c["rate"] / c["rate_shape"]) / 30.0  # per seasonal day
    a = c["lapse"] * c["lapse_concentration"]
    lapse = np.clip(rng.beta(a, c["lapse_concentration"] - a), 1e-3, 1.0)
    basket = _log_normal(rng, c["basket"], c["basket_sigma"])
    whale = rng.random(n) < WHALE_SHARE
    basket = np.where(whale, basket * (1.0 + rng.pareto(WHALE_PARETO, n)), basket)
    refunder = rng.random(n) < c["refunder_share"]

    owners, warped_times = [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
    spells = []  # (owner, start, stop) in seasonal time, when the customer was active
    start = first.copy()
    alive = buyer.copy()
    spell_rate = rate.copy()
    for _ in range(MAX_SPELLS):
        who = np.flatnonzero(alive & (start <= horizon))
        if who.size == 0:
            break
        count = np.minimum(rng.geometric(lapse[who]), MAX_PURCHASES_PER_SPELL)
        owner, pos = _expand(count)
        gaps = rng.exponential(1.0, owner.size) / spell_rate[who][owner]
        gaps[pos == 0] = 0.0
        cum = np.cumsum(gaps)
        starts_at = np.cumsum(count) - count
        offset = cum - cum[starts_at][owner]
        t = start[who][owner] + offset
        inside = t <= horizon
        owners.append(who[owner[inside]])
        warped_times.append(t[inside])
        last = start[who] + offset[starts_at + count - 1]
        lapsed = last <= horizon
        spells.append((who, start[who], np.minimum(last, horizon)))
        comes_back = lapsed & (rng.random(who.size) < c["comeback"][who])
        delay = COMEBACK_MIN_DAYS + rng.exponential(COMEBACK_MEAN_DAYS, who.size)
        alive[:] = False
        alive[who[comes_back]] = True
        start[who] = last + delay
        spell_rate[who] = spell_rate[who] * COMEBACK_RATE_FACTOR
    owner = np.concatenate(owners)
    t = _warped_to_seconds(rng, cal, np.concatenate(warped_times))
    t = np.maximum(t, signup[owner])
    cents = np.maximum(np.rint(_log_normal(rng, basket[owner], 0.4) * 100), 100).astype(np.int64)

    refunded = np.flatnonzero(refunder[owner] & (rng.random(owner.size) < c["refund_rate"][owner]))
    k = refunded.size
    share = np.where(rng.random(k) < 0.6, 1.0, rng.uniform(0.2, 0.9, k))
    refund_cents = np.maximum(np.floor(cents[refunded] * share), 1).astype(np.int64)
    refund_t = t[refunded] + 3600 + rng.exponential(5 * DAY, k).astype(np.int64)
    keep = refund_t <= end
    order_owner = np.concatenate([owner, owner[refunded][keep]])
    order_time = np.concatenate([t, refund_t[keep]])
    order_cents = np.concatenate([cents, -refund_cents[keep]])
    order = np.argsort((order_owner << 32) | order_time, kind="stable")

    # Events: a low background of sessions from sign-up, more while active, a visit before each
    # purchase; tickets after some orders; the newsletter for subscribers.
    seen = rng.random(n) >= np.where(buyer, NO_EVENTS_SHARE, 0.3)
    intensity = np.where(seen, _log_normal(rng, np.ones(n), 0.5), 0.0)
    session_rate = np.where(buyer, c["session_rate"], 0.3) * intensity
    end_arr = np.full(n, end, dtype=np.int64)
    parts = [(SESSION, _poisson_times(rng, cal, 0.05 * session_rate, signup, end_arr))]
    for who, lo, hi in spells:
        lo_t = np.maximum(_warped_to_seconds(rng, cal, lo), signup[who])
        hi_t = np.maximum(_warped_to_seconds(rng, cal, hi), lo_t)
        spell_owner, spell_t = _poisson_times(rng, cal, session_rate[who], lo_t, hi_t)
        parts.append((SESSION, (who[spell_owner], spell_t)))
    visits = np.flatnonzero(seen[owner])
    before = rng.integers(60, 2 * DAY, visits.size)
    parts.append((SESSION, (owner[visits], np.maximum(t[visits] - before, signup[owner[visits]]))))
    ticketed = np.flatnonzero(
        seen[order_owner] & (rng.random(order_owner.size) < c["ticket_per_order"][order_owner])
    )
    ticket_t = order_time[ticketed] + rng.integers(3600, 14 * DAY, ticketed.size)
    in_range = ticket_t <= end
    parts.append((SUPPORT_TICKET, (order_owner[ticketed][in_range], ticket_t[in_range])))

    subscribe = np.where(buyer, c["subscribe_share"], 0.3)
    subscribed = seen & (rng.random(n) < subscribe)
    opens_at_all = rng.random(n) >= NEVER_OPENS_SHARE
    last_order = np.full(n, end, dtype=np.int64)
    parts += _email_events(
        rng,
        cal,
        subscribed,
        signup,
        last_order,
        np.full(n, NEWSLETTER_WEEKS_SUBSCRIBED),
        np.full(n, np.inf),
        np.where(opens_at_all, c["open_rate"], 0.0),
        c["click_rate"],
    )
    key = np.concatenate(
        [(owners.astype(np.int64) << 35) | (times << 3) | code for code, (owners, times) in parts]
    )
    key.sort()
    return Block(
        signup=signup.astype(np.int32),
        group=group.astype(np.int8),
        country=country.astype(np.int8),
        channel=channel.astype(np.int8),
        order_owner=order_owner[order].astype(np.int32),
        order_time=order_time[order].astype(np.int32),
        order_cents=order_cents[order],
        event_owner=(key >> 35).astype(np.int32),
        event_time=((key >> 3) & 0xFFFFFFFF).astype(np.int32),
        event_type=(key & 7).astype(np.int8),
    )


# profile -> (block generator, names of its true groups)
PROFILES = {
    "planted": (generate_block, GROUP_NAMES),
    "realistic": (generate_realistic_block, REALISTIC_NAMES),
}
DEFAULT_PROFILE = "planted"


def generate_customers(
    seed: int, lo: int, hi: int, cal: Calendar, profile: str = DEFAULT_PROFILE
) -> Block:
    """Generate customers lo..hi-1 (0-based), identical whatever range they are asked in."""
    generate_one = PROFILES[profile][0]
    blocks = []
    for block in range(lo // BLOCK_SIZE, (hi - 1) // BLOCK_SIZE + 1):
        start = block * BLOCK_SIZE
        part = generate_one(seed, block, cal)
        if lo > start or hi < start + BLOCK_SIZE:
            part = part.slice(max(lo - start, 0), min(hi - start, BLOCK_SIZE))
        blocks.append(part)
    return Block.concat(blocks)


def _id_bytes(prefix: str, numbers: np.ndarray, digits: int) -> np.ndarray:
    """Return an (n, 1 + digits) uint8 matrix of prefix + zero-padded numbers."""
    n = numbers.size
    quads = -(-digits // 4)
    pad = 4 * quads - digits
    width = pad + 1 + digits
    dtype = np.dtype(
        {
            "names": [f"q{i}" for i in range(quads)],
            "formats": [np.uint32] * quads,
            "offsets": [width - 4 * (i + 1) for i in range(quads)],
            "itemsize": width,
        }
    )
    buf = np.empty((n, width), dtype=np.uint8)
    quad_cells = buf.view(dtype)[:, 0]
    if quads > 2:
        high, rest = np.divmod(numbers.astype(np.int64), 100_000_000)
    else:
        high, rest = None, numbers
    rest = rest.astype(np.uint32)
    for i in range(min(quads, 2)):
        rest, digits4 = np.divmod(rest, np.uint32(10_000))
        quad_cells[f"q{i}"] = _QUADS[digits4]
    if high is not None:
        quad_cells["q2"] = _QUADS[high]
    buf[:, pad] = ord(prefix)
    return np.ascontiguousarray(buf[:, pad:]) if pad else buf


def _string_array(cells: np.ndarray) -> pa.Array:
    """Wrap fixed-width ASCII cells (an (n, width) uint8 matrix or a flat buffer) as strings."""
    data = np.ascontiguousarray(cells).view(np.uint8)
    n = len(cells)
    width = data.size // n if n else 0
    offsets = np.arange(n + 1, dtype=np.int32) * np.int32(width)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _dictionary_array(codes: np.ndarray, values: Sequence[str]) -> pa.Array:
    """Return a dictionary-encoded string array from small integer codes."""
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int8()), pa.array(values))


def _timestamp_array(cal: Calendar, seconds: np.ndarray) -> pa.Array:
    """Return naive UTC microsecond timestamps from calendar seconds."""
    return pa.array((seconds.astype(np.int64) + cal.start_epoch) * 1_000_000, pa.timestamp("us"))


SCHEMAS = {
    "customers": pa.schema(
        [
            ("customer_id", pa.string()),
            ("signed_up_at", pa.timestamp("us")),
            ("country", pa.dictionary(pa.int8(), pa.string())),
            ("acquisition_channel", pa.dictionary(pa.int8(), pa.string())),
        ]
    ),
    "orders": pa.schema(
        [
            ("order_id", pa.string()),
            ("customer_id", pa.string()),
            ("ordered_at", pa.timestamp("us")),
            ("amount", pa.float64()),
        ]
    ),
    "events": pa.schema(
        [
            ("event_id", pa.string()),
            ("customer_id", pa.string()),
            ("occurred_at", pa.timestamp("us")),
            ("event_type", pa.dictionary(pa.int8(), pa.string())),
        ]
    ),
    "true_groups": pa.schema(
        [("customer_id", pa.string()), ("true_group", pa.dictionary(pa.int8(), pa.string()))]
    ),
}
DICTIONARY_COLUMNS = ["country", "acquisition_channel", "event_type", "true_group"]


def chunk_tables(
    block: Block,
    first_customer: int,
    first_order: int,
    first_event: int,
    cal: Calendar,
    max_rows: int = ROW_GROUP_ROWS,
    group_names: Sequence[str] = GROUP_NAMES,
) -> Iterator[tuple[str, pa.Table]]:
    """Yield (table name, rows) for generated customers, orders and events in slices."""
    customer_bytes = _id_bytes("C", np.arange(block.n_customers) + first_customer + 1, 8)
    customer_cells = customer_bytes.view(f"V{customer_bytes.shape[1]}")[:, 0]
    customer_id = _string_array(customer_bytes)
    yield (
        "customers",
        pa.Table.from_arrays(
            [
                customer_id,
                _timestamp_array(cal, block.signup),
                _dictionary_array(block.country, COUNTRIES),
                _dictionary_array(block.channel, CHANNELS),
            ],
            schema=SCHEMAS["customers"],
        ),
    )
    yield (
        "true_groups",
        pa.Table.from_arrays(
            [customer_id, _dictionary_array(block.group, group_names)],
            schema=SCHEMAS["true_groups"],
        ),
    )
    for lo in range(0, block.order_owner.size, max_rows):
        hi = min(lo + max_rows, block.order_owner.size)
        yield (
            "orders",
            pa.Table.from_arrays(
                [
                    _string_array(_id_bytes("O", np.arange(lo, hi) + first_order + 1, 10)),
                    _string_array(customer_cells[block.order_owner[lo:hi]]),
                    _timestamp_array(cal, block.order_time[lo:hi]),
                    pa.array(block.order_cents[lo:hi] / 100.0, pa.float64()),
                ],
                schema=SCHEMAS["orders"],
            ),
        )
    for lo in range(0, block.event_owner.size, max_rows):
        hi = min(lo + max_rows, block.event_owner.size)
        yield (
            "events",
            pa.Table.from_arrays(
                [
                    _string_array(_id_bytes("E", np.arange(lo, hi) + first_event + 1, 12)),
                    _string_array(customer_cells[block.event_owner[lo:hi]]),
                    _timestamp_array(cal, block.event_time[lo:hi]),
                    _dictionary_array(block.event_type[lo:hi], EVENT_TYPES),
                ],
                schema=SCHEMAS["events"],
            ),
        )


def _csv_table(table: pa.Table) -> pa.Table:
    """Format timestamps to whole seconds and amounts to two decimals for CSV."""
    columns = []
    for col in table.columns:
        if pa.types.is_timestamp(col.type):
            col = col.cast(pa.timestamp("s"), safe=False)
        elif pa.types.is_floating(col.type):
            cents = np.rint(col.to_numpy() * 100).astype(np.int64)
            unscaled = pa.array(cents).cast(pa.decimal128(19, 0))
            col = pa.Array.from_buffers(pa.decimal128(18, 2), len(cents), unscaled.buffers())
        elif pa.types.is_dictionary(col.type):
            col = col.cast(pa.string())
        columns.append(col)
    return pa.Table.from_arrays(columns, names=table.column_names)


class TableSink:
    """Appends chunks of one table to a Parquet and/or CSV file."""

    def __init__(self, schema: pa.Schema, parquet: Path | None, csv: Path | None) -> None:
        self.parquet_path, self.csv_path = parquet, csv
        self.schema = schema
        self.rows = 0
        self._parquet: pq.ParquetWriter | None = None
        self._csv: pacsv.CSVWriter | None = None

    def write(self, table: pa.Table) -> None:
        """Append one chunk as a row group (Parquet) and rows (CSV)."""
        if self.parquet_path is not None:
            if self._parquet is None:
                self.parquet_path.parent.mkdir(parents=True, exist_ok=True)
                self._parquet = pq.ParquetWriter(
                    self.parquet_path,
                    self.schema,
                    compression="zstd",
                    compression_level=1,
                    use_dictionary=[c for c in self.schema.names if c in DICTIONARY_COLUMNS],
                    store_schema=False,
                )
            self._parquet.write_table(table)
        if self.csv_path is not None:
            csv_table = _csv_table(table)
            if self._csv is None:
                self.csv_path.parent.mkdir(parents=True, exist_ok=True)
                self._csv = pacsv.CSVWriter(
                    self.csv_path,
                    csv_table.schema,
                    write_options=pacsv.WriteOptions(
                        quoting_style="none", quoting_header="none", batch_size=65_536
                    ),
                )
            self._csv.write_table(csv_table)
        self.rows += table.num_rows

    def close(self) -> None:
        """Finish the files; a table that got no rows still gets a file."""
        if self.rows == 0 and (self.parquet_path or self.csv_path):
            self.write(self.schema.empty_table())
        if self._parquet is not None:
            self._parquet.close()
        if self._csv is not None:
            self._csv.close()


class UsageError(ValueError):
    """An argument the generator cannot work with."""


@dataclass
class Summary:
    """Row counts and timing of one generator run."""

    customers: int = 0
    orders: int = 0
    refunds: int = 0
    events: int = 0
    seconds: float = 0.0
    files: list[Path] = field(default_factory=list)


def iter_chunks(
    customers: int, seed: int, chunk_size: int, cal: Calendar, profile: str = DEFAULT_PROFILE
) -> Iterator[tuple[int, int, Block]]:
    """Yield (first customer, last customer + 1, rows) per chunk of customers."""
    for lo in range(0, customers, chunk_size):
        hi = min(lo + chunk_size, customers)
        yield lo, hi, generate_customers(seed, lo, hi, cal, profile)


def run(
    customers: int,
    seed: int,
    out: Path,
    fmt: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    end_date: date = DEFAULT_END_DATE,
    dbt_seeds: bool = False,
    truth_out: Path | None = None,
    progress: bool = True,
    profile: str = DEFAULT_PROFILE,
) -> Summary:
    """Generate the data set chunk by chunk and write it under out."""
    if profile not in PROFILES:
        raise UsageError(f"profile: {profile!r} is not one of {', '.join(PROFILES)}")
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise UsageError(f"customers: {customers} is outside 1..{MAX_CUSTOMERS}")
    if chunk_size < 1:
        raise UsageError(f"chunk_size: {chunk_size} must be positive")
    if fmt is None:
        fmt = (
            "csv"
            if dbt_seeds
            else ("both" if customers <= BOTH_FORMATS_MAX_CUSTOMERS else "parquet")
        )
    if dbt_seeds and fmt != "csv":
        raise UsageError(f"format: dbt seeds are CSV files, got {fmt!r}")
    if fmt not in ("parquet", "csv", "both"):
        raise UsageError(f"format: {fmt!r} is not parquet, csv or both")
    exts = {"parquet": ["parquet"], "csv": ["csv"], "both": ["parquet", "csv"]}[fmt]
    prefix = "raw_" if dbt_seeds else ""
    sinks: dict[str, TableSink] = {}
    for name in ("customers", "orders", "events", "true_groups"):
        paths = {ext: out / f"{prefix}{name}.{ext}" for ext in exts}
        if name == "true_groups":
            if truth_out is not None:
                ext = truth_out.suffix.lstrip(".")
                if ext not in ("csv", "parquet"):
                    raise UsageError(f"truth_out: {truth_out} must end in .csv or .parquet")
                paths = {ext: truth_out}
            else:
                paths = {ext: out / f"true_groups.{ext}" for ext in exts}
        sinks[name] = TableSink(SCHEMAS[name], paths.get("parquet"), paths.get("csv"))

    cal = Calendar.build(end_date)
    summary = Summary()
    started = time.perf_counter()
    n_chunks = -(-customers // chunk_size)
    try:
        chunks = iter_chunks(customers, seed, chunk_size, cal, profile)
        group_names = PROFILES[profile][1]
        for index, (lo, hi, block) in enumerate(chunks):
            tables = chunk_tables(
                block, lo, summary.orders, summary.events, cal, group_names=group_names
            )
            for name, table in tables:
                sinks[name].write(table)
            summary.customers += hi - lo
            summary.orders += block.order_owner.size
            summary.refunds += int((block.order_cents < 0).sum())
            summary.events += block.event_owner.size
            if progress:
                print(
                    f"chunk {index + 1}/{n_chunks}: customers {lo + 1:,}-{hi:,}, "
                    f"orders {block.order_owner.size:,}, events {block.event_owner.size:,} "
                    f"({time.perf_counter() - started:.1f}s)",
                    file=sys.stderr,
                )
    finally:
        for sink in sinks.values():
            sink.close()
    summary.seconds = time.perf_counter() - started
    for sink in sinks.values():
        summary.files += [p for p in (sink.parquet_path, sink.csv_path) if p is not None]
    return summary


def _parse_date(value: str) -> date:
    """Parse a YYYY-MM-DD date for argparse."""
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"end date: {value!r} is not YYYY-MM-DD") from exc


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="customer-segments-generate",
        description="Write synthetic customers, orders and events with planted groups.",
    )
    parser.add_argument("--customers", type=int, required=True, help="number of customers")
    parser.add_argument("--seed", type=int, required=True, help="random seed")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument(
        "--profile",
        choices=list(PROFILES),
        default=DEFAULT_PROFILE,
        help="planted: six clean behaviour groups (recovery tests); realistic: most customers "
        "buy once, heavy-tailed spend, lapse and return (see the README)",
    )
    parser.add_argument(
        "--format",
        choices=["parquet", "csv", "both"],
        default=None,
        help=f"default: both up to {BOTH_FORMATS_MAX_CUSTOMERS:,} customers, else parquet",
    )
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=DEFAULT_CHUNK_SIZE,
        help="customers generated and written at a time (memory bound; output unchanged)",
    )
    parser.add_argument(
        "--end-date",
        type=_parse_date,
        default=DEFAULT_END_DATE,
        help=f"last day of history, YYYY-MM-DD (default {DEFAULT_END_DATE})",
    )
    parser.add_argument(
        "--dbt-seeds",
        action="store_true",
        help="write raw_customers.csv, raw_orders.csv and raw_events.csv for dbt seed",
    )
    parser.add_argument(
        "--truth-out",
        type=Path,
        default=None,
        help="planted groups file, .csv or .parquet (default: OUT/true_groups.<ext>)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator from the command line."""
    args = parse_args(argv)
    try:
        summary = run(
            customers=args.customers,
            seed=args.seed,
            out=args.out,
            fmt=args.format,
            chunk_size=args.chunk_size,
            end_date=args.end_date,
            dbt_seeds=args.dbt_seeds,
            truth_out=args.truth_out,
            profile=args.profile,
        )
    except UsageError as exc:
        print(f"customer-segments-generate: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {summary.customers:,} customers, {summary.orders:,} orders "
        f"({summary.refunds:,} refunds), {summary.events:,} events in {summary.seconds:.1f}s "
        f"({summary.events / max(summary.seconds, 1e-9):,.0f} events/s)",
        file=sys.stderr,
    )
    for path in summary.files:
        print(f"  {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``/api/v1/query`` and ``/api/v1/query_range``: read-only PromQL over the daemon's own samples.

What Grafana (as a Prometheus data source) and ``promtool query`` send: GET with URL
parameters or POST with a form body (a form value wins over the URL's, as in Prometheus), the
same parameters, result shapes and error shapes as Prometheus 2.42. Queries see the sample
store, so history reaches back as far as the store retains it (the longest window a rule
needs, plus the five-minute lookback; other series keep their latest sample). Each query is
bounded by ``global.query_timeout`` (or a shorter ``timeout`` parameter) and
``global.query_max_samples``. Evaluation runs on the event loop, like rule evaluation, so
queries run one at a time and one query delays probes by at most its timeout.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from datetime import datetime

from aiohttp import web
from multidict import MultiDict

from watchdog.api.common import ERROR_STATUS, api_error, api_success
from watchdog.api.gojson import RawJSON, go_json, sample_time, sample_value
from watchdog.clock import Clock
from watchdog.durations import DurationError, parse_duration
from watchdog.promql import (
    EvalLimits,
    Matrix,
    PromQLError,
    Query,
    QueryTimeoutError,
    Scalar,
    SeriesSource,
    String,
    TooManySamplesError,
    evaluate,
    evaluate_matrix,
    evaluate_range,
)
from watchdog.rules.templates.gofmt import shortest_fixed
from watchdog.samples import LabelSet

__all__ = ["MAX_POINTS", "QueryAPI"]

MAX_POINTS = 11_000
"""Points per series a range query may ask for (Prometheus' limit)."""
_TYPE_NAMES = {"vector": "instant vector", "matrix": "range vector", "scalar": "scalar"}


class _BadParameterError(Exception):
    """A parameter that cannot be used: answered 400 ``bad_data``."""


class QueryAPI:
    """The two query endpoints over ``source``; ``limits`` is read at each query (reloads)."""

    def __init__(
        self, source: SeriesSource, limits: Callable[[], EvalLimits], clock: Clock
    ) -> None:
        self._source = source
        self._limits = limits
        self._clock = clock

    def routes(self) -> list[web.RouteDef]:
        """GET and POST of both endpoints."""
        return [
            web.get("/api/v1/query", self._instant),
            web.post("/api/v1/query", self._instant),
            web.get("/api/v1/query_range", self._range),
            web.post("/api/v1/query_range", self._range),
        ]

    async def _instant(self, request: web.Request) -> web.Response:
        try:
            params = await _parameters(request)
            query = _query(params)
            at = _time(params, "time", default=self._clock.now(), invalid_prefix=True)
            limits = _with_timeout(self._limits(), params)
        except _BadParameterError as exc:
            return api_error(400, "bad_data", str(exc))
        try:
            if query.root.type == "matrix":
                matrix = evaluate_matrix(query, self._source, at, limits=limits)
                return _result("matrix", _matrix_json(matrix))
            value = evaluate(query, self._source, at, limits=limits)
        except PromQLError as exc:
            return _execution_error(exc)
        if isinstance(value, Scalar):
            # Prometheus writes a scalar with 'f' formatting even when tiny (vector samples not)
            return _result("scalar", [_time_number(at), shortest_fixed(value.value)])
        if isinstance(value, String):
            return _result("string", [_time_number(at), value.value])
        stamp = sample_time(at)
        return _result(
            "vector",
            RawJSON(
                "["
                + ",".join(
                    f'{{"metric":{_metric(s.labels)},"value":[{stamp},"{sample_value(s.value)}"]}}'
                    for s in value
                )
                + "]"
            ),
        )

    async def _range(self, request: web.Request) -> web.Response:
        try:
            params = await _parameters(request)
            query = _query(params)
            start = _time(params, "start")
            end = _time(params, "end")
            if end < start:
                raise _BadParameterError(
                    'invalid parameter "end": end timestamp must not be before start time'
                )
            step = _duration(params, "step")
            if step <= 0:
                raise _BadParameterError(
                    'invalid parameter "step": zero or negative query resolution step widths '
                    "are not accepted. Try a positive integer"
                )
            if (end - start) / step > MAX_POINTS:
                raise _BadParameterError(
                    "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing "
                    "the query resolution (?step=XX)"
                )
            if query.root.type not in ("vector", "scalar"):
                name = _TYPE_NAMES.get(query.root.type, query.root.type)
                raise _BadParameterError(
                    f'invalid expression type "{name}" for range query, must be Scalar or '
                    "instant Vector"
                )
            limits = _with_timeout(self._limits(), params)
        except _BadParameterError as exc:
            return api_error(400, "bad_data", str(exc))
        try:
            matrix = evaluate_range(query, self._source, start, end, step, limits=limits)
        except PromQLError as exc:
            return _execution_error(exc)
        matrix.sort(key=lambda series: series.labels.items())
        return _result("matrix", _matrix_json(matrix))


async def _parameters(request: web.Request) -> Mapping[str, str]:
    """URL parameters, overridden by the form body of a POST (as Go's ``FormValue``)."""
    merged: MultiDict[str] = MultiDict(request.query)
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        for key in set(form):
            values = [v for v in form.getall(key) if isinstance(v, str)]
            if values:
                merged.popall(key, None)
                merged.add(key, values[0])
    return {key: merged[key] for key in set(merged)}


def _query(params: Mapping[str, str]) -> Query:
    try:
        return Query.parse(params.get("query", ""))
    except PromQLError as exc:
        raise _BadParameterError(f'invalid parameter "query": {exc}') from None


def _time(
    params: Mapping[str, str],
    name: str,
    *,
    default: float | None = None,
    invalid_prefix: bool = False,
) -> float:
    text = params.get(name, "")
    if text == "" and default is not None:
        return default
    try:
        value = float(text)
        if math.isfinite(value):
            return value
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        pass
    prefix = f"Invalid time value for '{name}': " if invalid_prefix else ""
    raise _BadParameterError(
        f'invalid parameter "{name}": {prefix}cannot parse "{text}" to a valid timestamp'
    )


def _duration(params: Mapping[str, str], name: str) -> float:
    text = params.get(name, "")
    try:
        value = float(text)
        if math.isfinite(value):
            return value
    except ValueError:
        pass
    try:
        return parse_duration(text)
    except DurationError:
        raise _BadParameterError(
            f'invalid parameter "{name}": cannot parse "{text}" to a valid duration'
        ) from None


def _with_timeout(limits: EvalLimits, params: Mapping[str, str]) -> EvalLimits:
    """The engine's limits, with a shorter timeout when the request asks for one."""
    if not params.get("timeout"):
        return limits
    asked = _duration(params, "timeout")
    if asked <= 0 or asked >= limits.timeout:
        return limits
    return dataclasses.replace(limits, timeout=asked)


def _execution_error(exc: PromQLError) -> web.Response:
    kind = "timeout" if isinstance(exc, QueryTimeoutError) else "execution"
    if isinstance(exc, TooManySamplesError):
        kind = "execution"
    return api_error(ERROR_STATUS[kind], kind, str(exc))


def _result(kind: str, result: object) -> web.Response:
    return api_success({"resultType": kind, "result": result})


def _metric(labels: LabelSet) -> str:
    return go_json(dict(labels.items()))


def _matrix_json(matrix: Matrix) -> RawJSON:
    series = []
    for points in matrix:
        values = ",".join(f'[{sample_time(t)},"{sample_value(v)}"]' for t, v in points.points)
        series.append(f'{{"metric":{_metric(points.labels)},"values":[{values}]}}')
    return RawJSON("[" + ",".join(series) + "]")


def _time_number(seconds: float) -> float:
    """A scalar's or string's timestamp: seconds as a JSON number, millisecond precision."""
    return round(seconds * 1000) / 1000

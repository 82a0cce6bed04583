"""The DQN page's views: each agent's cart drawn from (x, θ) with the Q-values of its state, the
episode returns and the TD error as live timelines (SVG, drawn with ui.charts.markup: light enough
for a dozen updates a second), and the whole run's returns and TD error as Altair charts (their
data go to the exports)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from core.dqn import AGENTS, DQNResult, Episodes, Play, cartpole
from ui.svg import as_image, el, svg, text
from ui.theme import BLUE, DARK_GREY, GREY, HEIGHT, LIGHT_GREY, ORANGE, VERMILION

COLOURS = dict(zip(AGENTS, (BLUE, ORANGE, "#009E73", VERMILION)))
SHIPPED_COLOUR = DARK_GREY
PLAY_FPS = 12.0  # the views are SVG: as light as the fit page's (which shows 7-10 of 12 a second)
SPEEDS = {"slow": (6.0, 40.0), "normal": (PLAY_FPS, 20.0), "fast": (PLAY_FPS, 10.0),
          "very_fast": (PLAY_FPS, 5.0)}  # speed -> (updates a second, seconds from start to end)
CART_W, CART_H = 300, 202
MAX_POINTS = 500  # a polyline this long looks like every point
RUN_HEIGHT = HEIGHT + 130  # the whole run's charts: their legends (one agent a line) take ~110 px of it


@dataclass(frozen=True)
class Labels:
    """The texts the views show (ui.theme.chart_labels(Labels, "dqn"))."""

    agent_dqn: str = "DQN"
    agent_no_target: str = "no target network"
    agent_no_replay: str = "no replay memory"
    agent_neither: str = "neither"
    agent_shipped: str = "pretrained agent"
    episode: str = "episode {n}, step {step}"
    fell: str = "fell"
    left: str = "← left"
    right: str = "right →"
    returns_title: str = "Episode return (steps balanced)"
    td_title: str = "TD error (MSE per learning step)"
    env_step: str = "environment step"
    steps_balanced: str = "steps balanced (log scale)"
    td_error: str = "TD error (log scale)"
    raw: str = "each episode"
    smoothed: str = "mean of the last 20"
    agent: str = "agent"
    kind: str = "line"
    not_learning: str = "learning starts once the memory is full"
    seed: str = "seed"
    final: str = "final return (steps balanced)"

    def agent_name(self, code: str) -> str:
        return getattr(self, f"agent_{code}")

    def agents(self) -> dict[str, str]:
        return {code: self.agent_name(code) for code in (*AGENTS, "shipped")}


# --- the cart --------------------------------------------------------------------------------------

def cart_svg(state: Sequence[float], q: Sequence[float], title: str, caption: str, colour: str,
             q_scale: float, fallen: bool = False, x0: float = 0.0) -> str:
    """One cart and pole at (x, θ) with the Q-values of the state as two bars (the larger one is
    what the greedy policy does); the dashed lines mark where the pole counts as fallen."""
    x, theta = float(state[0]), float(state[2])
    mid, track_y, scale = x0 + CART_W / 2, 130.0, (CART_W - 40) / (2 * cartpole.X_LIMIT)
    cx = mid + max(-cartpole.X_LIMIT - 0.3, min(cartpole.X_LIMIT + 0.3, x)) * scale
    pole = 74.0
    parts = [text(mid, 19, title, 18, font_weight="bold", fill=colour),
             text(mid, 40, caption, 15, fill=DARK_GREY),
             el("line", x1=x0 + 20, x2=x0 + CART_W - 20, y1=track_y + 10, y2=track_y + 10, stroke=GREY,
                stroke_width=2)]
    for edge in (-cartpole.X_LIMIT, cartpole.X_LIMIT):  # the ends of the track
        ex = mid + edge * scale
        parts.append(el("line", x1=f"{ex:.1f}", x2=f"{ex:.1f}", y1=track_y + 4, y2=track_y + 16, stroke=GREY,
                        stroke_width=2))
    for limit in (-cartpole.THETA_LIMIT, cartpole.THETA_LIMIT):  # the angle where the pole has fallen
        parts.append(el("line", x1=f"{cx:.1f}", y1=track_y - 6, x2=f"{cx + pole * math.sin(limit):.1f}",
                        y2=f"{track_y - 6 - pole * math.cos(limit):.1f}", stroke=LIGHT_GREY,
                        stroke_dasharray="3 3"))
    tip_x, tip_y = cx + pole * math.sin(theta), track_y - 6 - pole * math.cos(theta)
    parts += [el("rect", x=f"{cx - 22:.1f}", y=track_y - 10, width=44, height=18, rx=3, fill=colour),
              el("line", x1=f"{cx:.1f}", y1=track_y - 6, x2=f"{tip_x:.1f}", y2=f"{tip_y:.1f}",
                 stroke=VERMILION if fallen else "#8B5A2B", stroke_width=6, stroke_linecap="round"),
              el("circle", cx=f"{cx:.1f}", cy=track_y - 6, r=3, fill=DARK_GREY)]
    parts += _q_bars(q, mid, track_y + 24, q_scale)
    return "".join(parts)


def _q_bars(q: Sequence[float], mid: float, y: float, q_scale: float) -> list[str]:
    """Q(left) and Q(right) as bars from the middle outwards, values written beside them."""
    out, best = [], int(np.argmax(q)) if np.all(np.isfinite(q)) else -1
    half = CART_W / 2 - 75
    for a, side in ((0, -1), (1, 1)):
        v = float(q[a])
        length = 0.0 if not math.isfinite(v) or q_scale <= 0 else min(abs(v) / q_scale, 1.0) * half
        x = mid - length if side < 0 else mid
        fill = DARK_GREY if a == best else LIGHT_GREY
        out.append(el("rect", x=f"{x:.1f}", y=y, width=f"{max(length, 1):.1f}", height=16, fill=fill))
        value = f"{v:.2f}" if math.isfinite(v) else "—"
        out.append(text(mid + side * (length + 6), y + 13, value, 15, "end" if side < 0 else "start"))
    out.append(el("line", x1=mid, x2=mid, y1=y - 3, y2=y + 17, stroke=DARK_GREY))
    return out


def carts_svg(result: DQNResult, frame: int, labels: Labels) -> str:
    """Every agent's cart at the snapshot `frame`, side by side, with the Q-values of its state."""
    q_scale = _q_scale(result.q)
    parts = []
    for k, agent in enumerate(result.agents):
        n, step = int(result.episode[frame, k]), int(result.episode_step[frame, k])
        caption = labels.episode.format(n=n, step=step)
        parts.append(cart_svg(result.states[frame, k], result.q[frame, k], labels.agent_name(agent), caption,
                              COLOURS[agent], q_scale, x0=k * CART_W))
    parts.append(_q_legend(len(result.agents) * CART_W / 2, labels))
    width = len(result.agents) * CART_W
    return as_image(svg(width, CART_H, "".join(parts)), "dqn-carts", 1.25 * width)


def _q_legend(mid: float, labels: Labels) -> str:
    return text(mid, CART_H - 6, f"Q: {labels.left}   ·   {labels.right}", 15, fill=GREY)


def _q_scale(q: np.ndarray) -> float:
    """The Q-value drawn as a full bar: the run's 90th percentile of |Q| (longer ones are cut), so
    that the bars of most states are long enough to compare."""
    finite = np.abs(q[np.isfinite(q)])
    return float(np.quantile(finite, 0.9)) or 1.0 if finite.size else 1.0


def play_svg(play: Play, frame: int, title: str, labels: Labels, colour: str = SHIPPED_COLOUR) -> str:
    """One greedy episode at its step `frame`."""
    frame = min(frame, play.length)
    fell = play.fell and frame == play.length
    caption = f"{labels.episode.format(n=1, step=frame)}" + (f" · {labels.fell}" if fell else "")
    body = cart_svg(play.states[frame], play.q[frame], title, caption, colour, _q_scale(play.q), fell)
    return as_image(svg(CART_W, CART_H, body + _q_legend(CART_W / 2, labels)), "dqn-play", 1.3 * CART_W)


# --- the live timelines ---------------------------------------------------------------------------

def _thin(x: np.ndarray, y: np.ndarray, points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    step = max(1, math.ceil(len(x) / points))
    return x[::step], y[::step]


def _log_axis(values: list[np.ndarray], floor: float) -> tuple[float, float]:
    finite = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in values] + [np.array([floor])])
    lo, hi = math.floor(math.log10(max(finite.min(), floor))), math.ceil(math.log10(finite.max()))
    return lo, max(hi, lo + 1)


def timeline_svg(result: DQNResult, frame: int, labels: Labels, which: str, width: int = 560,
                 height: int = 250) -> str:
    """The episode returns (`which` "returns": each episode faint, the mean of the last 20 bold) or
    the TD error ("td") of every agent up to the snapshot `frame`, on the whole run's axes."""
    left, right, top, bottom = 52, 26, 30, 38
    x_max = max(result.config.steps, 1)
    if which == "returns":
        shown = result.returns_until(frame)
        series = [e.length.astype(float) for e in result.episodes]
        lo, hi = _log_axis(series, 1.0)
        title = labels.returns_title
    else:
        n = result.loss_until(frame)
        series = [result.loss[:, k] for k in range(len(result.agents))]
        lo, hi = _log_axis(series, 1e-4)
        title = labels.td_title
    px = lambda t: left + t / x_max * (width - left - right)  # noqa: E731
    inner = height - top - bottom
    py = lambda v: top + (hi - math.log10(min(max(v, 10 ** lo), 10 ** hi))) / (hi - lo) * inner  # noqa: E731

    def line(xs: np.ndarray, ys: np.ndarray, **style: object) -> str:
        ok = np.isfinite(ys) & (ys > 0)
        xs, ys = _thin(xs[ok], ys[ok])
        if len(xs) < 2:
            return ""
        points = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(xs, ys))
        return el("polyline", points=points, fill="none", **style)

    parts = [text(width / 2, 18, title, 14, font_weight="bold")]
    for d in range(int(lo), int(hi) + 1):
        y = py(10 ** d)
        parts.append(el("line", x1=left, x2=width - right, y1=f"{y:.1f}", y2=f"{y:.1f}", stroke="#eee"))
        parts.append(text(left - 6, y + 4, f"{10.0 ** d:g}", 11, "end"))
    for t in np.unique(np.round(np.linspace(0, x_max, 5)).astype(int)):
        parts.append(text(px(t), height - bottom + 15, f"{t:,}", 11))
    parts.append(text((left + width - right) / 2, height - 5, labels.env_step, 12))
    for k, agent in enumerate(result.agents):
        colour = COLOURS[agent]
        if which == "returns":
            e: Episodes = shown[k]
            parts.append(line(e.end.astype(float), e.length.astype(float), stroke=colour, stroke_width=0.8,
                              opacity=0.35))
            parts.append(line(e.end.astype(float), e.smoothed, stroke=colour, stroke_width=2.5))
        else:
            parts.append(line(result.loss_steps[:n].astype(float), result.loss[:n, k], stroke=colour,
                              stroke_width=2))
    if which == "td" and result.loss_until(frame) == 0:
        parts.append(text((left + width - right) / 2, (top + height - bottom) / 2, labels.not_learning, 12,
                          fill=GREY))
    now = px(result.frame_steps[frame])
    parts.append(el("line", x1=f"{now:.1f}", x2=f"{now:.1f}", y1=top, y2=height - bottom, stroke=DARK_GREY))
    frame_rect = el("rect", x=left, y=top, width=width - left - right, height=inner, fill="none",
                    stroke=LIGHT_GREY)
    return as_image(svg(width, height, frame_rect + "".join(parts)), f"dqn-{which}", 1.5 * width)


def legend_html(agents: Sequence[str], labels: Labels) -> str:
    """Which colour is which agent; faint lines are single episodes."""
    def swatch(colour: str, width: float = 3, opacity: float = 1.0) -> str:  # st.html keeps no SVG
        return (f'<span style="display:inline-block;width:26px;height:{width}px;background:{colour};'
                f'opacity:{opacity};vertical-align:middle"></span>')
    items = [f"{swatch(COLOURS[a])} {labels.agent_name(a)}" for a in agents]
    items.append(f"{swatch(GREY, 1, 0.5)} {labels.raw} · {swatch(GREY)} {labels.smoothed}")
    return '<div style="font-size:0.9rem;line-height:1.8">' + " &nbsp; ".join(items) + "</div>"


# --- the whole run (Altair: exported as data) ---------------------------------------------------

def _agent_scale(result: DQNResult, labels: Labels) -> alt.Scale:
    return alt.Scale(domain=[labels.agent_name(a) for a in result.agents],
                     range=[COLOURS[a] for a in result.agents])


def returns_chart(result: DQNResult, labels: Labels) -> alt.LayerChart:
    """Every episode's return (faint) and the mean of the last 20 (bold), per agent, on one timeline."""
    rows = [pd.DataFrame({labels.env_step: e.end, "raw": e.length, "smoothed": e.smoothed,
                          labels.agent: labels.agent_name(a)})
            for a, e in zip(result.agents, result.episodes)]
    df = pd.concat(rows, ignore_index=True)
    colour = alt.Color(f"{labels.agent}:N", scale=_agent_scale(result, labels),
                       legend=alt.Legend(orient="bottom", columns=1, symbolOpacity=1))
    x = alt.X(f"{labels.env_step}:Q")
    y_scale = alt.Scale(type="log")
    raw = alt.Chart(df).mark_line(strokeWidth=0.8, opacity=0.35).encode(
        x=x, y=alt.Y("raw:Q", scale=y_scale, title=labels.steps_balanced), color=colour)
    smooth = alt.Chart(df).mark_line(strokeWidth=2.5).encode(x=x, y=alt.Y("smoothed:Q", scale=y_scale),
                                                            color=colour)
    return (raw + smooth).properties(title=labels.returns_title, height=RUN_HEIGHT)


def td_chart(result: DQNResult, labels: Labels) -> alt.Chart:
    """Each agent's TD error over the run (means over equal chunks of learning steps)."""
    df = pd.concat([pd.DataFrame({labels.env_step: result.loss_steps, labels.td_error: result.loss[:, k],
                                  labels.agent: labels.agent_name(a)}) for k, a in enumerate(result.agents)],
                   ignore_index=True)
    df = df[np.isfinite(df[labels.td_error]) & (df[labels.td_error] > 0)]
    return alt.Chart(df).mark_line(strokeWidth=2).encode(
        x=alt.X(f"{labels.env_step}:Q"), y=alt.Y(f"{labels.td_error}:Q", scale=alt.Scale(type="log")),
        color=alt.Color(f"{labels.agent}:N", scale=_agent_scale(result, labels),
                        legend=alt.Legend(orient="bottom", columns=1)),
    ).properties(title=labels.td_title, height=RUN_HEIGHT)


def seeds_chart(finals: pd.DataFrame, labels: Labels, agents: Sequence[str], title: str) -> alt.Chart:
    """Final return per seed and agent (finals: seed, agent code, final)."""
    df = finals.assign(name=finals["agent"].map(labels.agent_name))
    scale = alt.Scale(domain=[labels.agent_name(a) for a in agents], range=[COLOURS[a] for a in agents])
    return alt.Chart(df).mark_point(filled=True, size=90).encode(
        x=alt.X("seed:O", title=labels.seed), y=alt.Y("final:Q", title=labels.final),
        color=alt.Color("name:N", scale=scale, title=labels.agent,
                        legend=alt.Legend(orient="bottom", columns=1)),
        shape=alt.Shape("name:N", scale=alt.Scale(domain=scale.domain), legend=None),
    ).properties(title=title, height=RUN_HEIGHT)

//! Small shared pieces: explained terms, panel frames, number fields, bars and the loss chart.

use leptos::prelude::*;

use super::state::StepPoint;

/// A term with its plain explanation, shown on hover and on keyboard focus.
#[component]
pub fn Tip(
    /// The term.
    term: &'static str,
    /// What it means.
    text: &'static str,
) -> impl IntoView {
    view! {
        <span class="tip" tabindex="0" aria-label=format!("{term}: {text}")>
            {term}
            <span class="tip-text" role="tooltip">{text}</span>
        </span>
    }
}

/// A numbered panel with a title and a one-line purpose.
#[component]
pub fn Panel(
    /// Anchor id.
    id: &'static str,
    /// Step number.
    number: u8,
    /// Title.
    title: &'static str,
    /// What the panel is for.
    purpose: &'static str,
    /// Contents.
    children: Children,
) -> impl IntoView {
    view! {
        <section class="panel" id=id aria-labelledby=format!("{id}-title")>
            <header>
                <span class="step-number" aria-hidden="true">{number}</span>
                <div>
                    <h2 id=format!("{id}-title")>{title}</h2>
                    <p class="purpose">{purpose}</p>
                </div>
            </header>
            {children()}
        </section>
    }
}

/// A horizontal bar for a value in 0..=1.
#[component]
pub fn Bar(
    /// Label.
    label: String,
    /// Value in 0..=1.
    value: f32,
) -> impl IntoView {
    let percent = (value.clamp(0.0, 1.0) * 100.0) as f64;
    view! {
        <div class="bar-row">
            <span class="bar-label">{label}</span>
            <span class="bar" role="meter" aria-valuemin="0" aria-valuemax="1" aria-valuenow=value.to_string()>
                <span class="bar-fill" style=format!("width: {percent:.1}%")></span>
            </span>
            <span class="bar-value">{format!("{:.1}%", percent)}</span>
        </div>
    }
}

/// Exponential moving average, as TensorBoard's smoothing.
pub fn smooth(points: &[StepPoint], weight: f64) -> Vec<StepPoint> {
    let mut last = None;
    points
        .iter()
        .map(|p| {
            let v = match last {
                None => p.loss,
                Some(prev) => prev * weight + p.loss * (1.0 - weight),
            };
            last = Some(v);
            StepPoint {
                step: p.step,
                loss: v,
            }
        })
        .collect()
}

/// A loss chart's scale: positions 1 to `last` across, losses `lo` to `hi` up, inside a
/// `pad` margin of a `w` x `h` drawing. The step chart and the epoch chart share it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossScale {
    w: f64,
    h: f64,
    pad: f64,
    /// The last position (step or epoch).
    pub last: f64,
    lo: f64,
    hi: f64,
}

impl LossScale {
    /// The scale of these losses (non-finite ones left out) over positions 1 to `last`;
    /// `None` when none is finite.
    pub fn fit(
        losses: impl Iterator<Item = f64>,
        last: f64,
        (w, h, pad): (f64, f64, f64),
    ) -> Option<Self> {
        let finite: Vec<f64> = losses.filter(|l| l.is_finite()).collect();
        if finite.is_empty() {
            return None;
        }
        let hi = finite.iter().cloned().fold(f64::MIN, f64::max);
        let lo = finite
            .iter()
            .cloned()
            .fold(f64::MAX, f64::min)
            .min(hi - 1e-6);
        Some(Self {
            w,
            h,
            pad,
            last: last.max(2.0),
            lo,
            hi,
        })
    }

    /// Where position `x` with loss `y` is drawn.
    pub fn at(&self, x: f64, y: f64) -> (f64, f64) {
        let (w, h, pad) = (self.w, self.h, self.pad);
        (
            pad + (x - 1.0) / (self.last - 1.0) * (w - 2.0 * pad),
            h - pad - (y - self.lo) / (self.hi - self.lo) * (h - 2.0 * pad),
        )
    }

    /// A polyline's points through `(position, loss)` pairs, non-finite losses left out.
    pub fn line(&self, points: impl Iterator<Item = (f64, f64)>) -> String {
        points
            .filter(|(_, y)| y.is_finite())
            .map(|(x, y)| {
                let (x, y) = self.at(x, y);
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A loss chart's axes, the top and bottom of its scale, and its last position named by
/// `unit` ("step 120").
#[component]
pub fn LossAxes(scale: LossScale, unit: &'static str) -> impl IntoView {
    let (w, h, pad) = (scale.w, scale.h, scale.pad);
    view! {
        <line x1=pad y1=h - pad x2=w - pad y2=h - pad class="axis"></line>
        <line x1=pad y1=pad x2=pad y2=h - pad class="axis"></line>
        <text x=2 y=pad + 4.0 class="tick">{format!("{:.3}", scale.hi)}</text>
        <text x=2 y=h - pad class="tick">{format!("{:.3}", scale.lo)}</text>
        <text x=w - pad y=h - 8.0 text-anchor="end" class="tick">{format!("{unit} {}", scale.last)}</text>
    }
}

/// What [`LossChart`] draws, in its `(width, height, padding)`: its scale, the raw and
/// smoothed loss lines, and the validation dots (with their tooltips); `None` before two
/// steps.
#[allow(clippy::type_complexity)]
fn loss_paths(
    pts: &[StepPoint],
    valid: &[StepPoint],
    frame: (f64, f64, f64),
) -> Option<(LossScale, (String, String), Vec<(f64, f64, String)>)> {
    if pts.len() < 2 {
        return None;
    }
    let last = pts.last().map(|p| p.step).unwrap_or(1) as f64;
    let scale = LossScale::fit(pts.iter().chain(valid).map(|p| p.loss), last, frame)?;
    let line = |ps: &[StepPoint]| scale.line(ps.iter().map(|p| (p.step as f64, p.loss)));
    let dots: Vec<(f64, f64, String)> = valid
        .iter()
        .filter(|p| p.loss.is_finite())
        .map(|p| {
            let (x, y) = scale.at(p.step as f64, p.loss);
            let tip = format!("step {}: validation loss {:.4}", p.step, p.loss);
            (x, y, tip)
        })
        .collect();
    Some((scale, (line(pts), line(&smooth(pts, 0.9))), dots))
}

/// The training loss per step (thin line) and smoothed (thick line), and the validation loss
/// at steps where it was measured (dots), as SVG.
#[component]
pub fn LossChart(
    /// The points.
    #[prop(into)]
    points: Signal<Vec<StepPoint>>,
    /// The validation loss at some steps.
    #[prop(optional, into)]
    valid: Option<Signal<Vec<StepPoint>>>,
) -> impl IntoView {
    let (w, h, pad) = (600.0, 180.0, 30.0);
    let paths = move || {
        let valid = valid.map(|v| v.get()).unwrap_or_default();
        loss_paths(&points.get(), &valid, (w, h, pad))
    };
    view! {
        <svg class="chart" viewBox=format!("0 0 {w} {h}") role="img" aria-label="training loss per step">
            {move || match paths() {
                None => view! {
                    <text x="50%" y="50%" text-anchor="middle" class="chart-empty">
                        "The loss curve appears here once training starts"
                    </text>
                }.into_any(),
                Some((scale, (raw, smooth), dots)) => view! {
                    <g>
                        <LossAxes scale=scale unit="step" />
                        <polyline points=raw class="loss-raw"></polyline>
                        <polyline points=smooth class="loss-smooth"></polyline>
                        {dots.into_iter().map(|(x, y, tip)| view! {
                            <circle cx=x cy=y r="3.5" class="loss-valid" data-testid="valid-point"><title>{tip}</title></circle>
                        }).collect_view()}
                    </g>
                }.into_any(),
            }}
        </svg>
    }
}

/// A passage with character spans marked: each span's class (`gold`, `predicted`, `answer`)
/// on its characters, a character in two spans carrying both classes. Offsets count characters
/// (Unicode code points), as the engine's spans do.
pub fn passage(text: &str, spans: &[(usize, usize, &'static str)]) -> impl IntoView + use<> {
    let chars: Vec<char> = text.chars().collect();
    let class_at = |i: usize| {
        let classes: Vec<&str> = spans
            .iter()
            .filter(|(s, e, _)| (*s..*e).contains(&i))
            .map(|(_, _, c)| *c)
            .collect();
        classes.join(" ")
    };
    let mut pieces = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let class = class_at(at);
        let mut end = at + 1;
        while end < chars.len() && class_at(end) == class {
            end += 1;
        }
        let piece: String = chars[at..end].iter().collect();
        pieces.push(if class.is_empty() {
            view! { <span>{piece}</span> }.into_any()
        } else {
            view! { <mark class=class>{piece}</mark> }.into_any()
        });
        at = end;
    }
    pieces
}

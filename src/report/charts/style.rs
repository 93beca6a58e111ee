//! Sizes, colours and fonts shared by every chart.

use plotters::prelude::*;
use plotters::style::FontStyle;

pub const SIZE: (u32, u32) = (1400, 800);
pub const FONT: &str = "sans-serif";
pub const TITLE_PX: u32 = 30;
pub const LABEL_PX: u32 = 20;
pub const AXIS_PX: u32 = 17;
pub const LEGEND_PX: u32 = 17;

pub const CHECKPOINT: RGBColor = RGBColor(31, 119, 180);
pub const TRANSFER: RGBColor = RGBColor(44, 160, 44);
pub const RESTORE: RGBColor = RGBColor(214, 39, 40);
pub const MEMORY: RGBColor = RGBColor(31, 119, 180);
pub const SWAP: RGBColor = RGBColor(255, 127, 14);
pub const TARGET_MEMORY: RGBColor = RGBColor(148, 103, 189);
pub const TARGET_SWAP: RGBColor = RGBColor(140, 86, 75);
pub const COUNT: RGBColor = RGBColor(60, 60, 60);
pub const CPU: RGBColor = RGBColor(44, 160, 44);
pub const PSI_FULL: RGBColor = RGBColor(214, 39, 40);
pub const PSI_SOME: RGBColor = RGBColor(255, 152, 150);
pub const COLLAPSE: RGBColor = RGBColor(200, 0, 0);
pub const FOOTPRINT: RGBColor = RGBColor(23, 190, 207);
pub const THRASHING: RGBColor = RGBColor(227, 119, 194);
pub const HARD_FAILURE: RGBColor = RGBColor(0, 0, 0);

/// One colour per fleet target, in the scenario's order (Tableau's ten;
/// an eleventh target repeats the first's).
const TARGETS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

pub fn target_color(index: usize) -> &'static RGBColor {
    &TARGETS[index % TARGETS.len()]
}

/// Light fills for the phase bands of the timeline.
pub fn phase_fill(phase: crate::record::Phase) -> RGBAColor {
    use crate::record::Phase;
    let c = match phase {
        Phase::Image => RGBColor(200, 200, 200),
        Phase::Launch => RGBColor(188, 189, 34),
        Phase::Checkpoint => CHECKPOINT,
        Phase::Transfer => TRANSFER,
        Phase::Restore => RESTORE,
        Phase::Verify => RGBColor(127, 127, 127),
        Phase::Rollback => RGBColor(140, 86, 75),
    };
    c.mix(0.10)
}

pub fn phase_color(phase: crate::record::Phase) -> RGBColor {
    use crate::record::Phase;
    match phase {
        Phase::Checkpoint => CHECKPOINT,
        Phase::Transfer => TRANSFER,
        Phase::Restore => RESTORE,
        _ => COUNT,
    }
}

/// Embedded DejaVu Sans (see assets/DejaVuSans.LICENSE): no system font needed.
static FONT_BYTES: &[u8] = include_bytes!("../../../assets/DejaVuSans.ttf");

pub fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            if plotters::style::register_font(FONT, style, FONT_BYTES).is_err() {
                tracing::error!("the embedded chart font did not load");
            }
        }
    });
}

pub fn title_font() -> TextStyle<'static> {
    (FONT, TITLE_PX)
        .into_font()
        .style(FontStyle::Bold)
        .color(&BLACK)
}

/// The frame every single-panel chart starts from: title, margins, label areas.
pub fn frame<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
) -> ChartBuilder<'a, 'static, DB> {
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(title, title_font())
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(90);
    builder
}

pub fn label_font() -> TextStyle<'static> {
    (FONT, LABEL_PX).into_font().color(&BLACK)
}

pub fn axis_font() -> TextStyle<'static> {
    (FONT, AXIS_PX).into_font().color(&BLACK)
}

pub fn legend_font() -> TextStyle<'static> {
    (FONT, LEGEND_PX).into_font().color(&BLACK)
}

/// Any plotters error as text.
pub fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// The legend box every chart uses.
pub fn draw_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: plotters::coord::CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .label_font(legend_font())
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(err)
}

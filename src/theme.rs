//! Themes: light and dark follow the system (CSS `prefers-color-scheme`) unless the link says
//! `theme=light|dark` (an embed matching its blog); presenter mode adds a projector theme.
//! Charts draw on canvas, so they read the same choice from here.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
    Projector,
}

/// The light/dark choice of a link: `auto` follows the system.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Scheme {
    #[default]
    Auto,
    Light,
    Dark,
}

impl Scheme {
    pub fn code(self) -> &'static str {
        match self {
            Scheme::Auto => "auto",
            Scheme::Light => "light",
            Scheme::Dark => "dark",
        }
    }

    pub fn from_code(code: &str) -> Option<Scheme> {
        [Scheme::Auto, Scheme::Light, Scheme::Dark].into_iter().find(|s| s.code() == code)
    }
}

/// Colours a chart needs, per theme. Series colours are Okabe–Ito (colour-blind safe).
pub struct Palette {
    pub background: (u8, u8, u8),
    pub text: (u8, u8, u8),
    pub grid: (u8, u8, u8),
    pub marker: (u8, u8, u8),
    pub line_width: u32,
    pub font: u32,
}

/// Okabe–Ito: blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow.
pub const SERIES: [(u8, u8, u8); 7] =
    [(0, 114, 178), (230, 159, 0), (0, 158, 115), (213, 94, 0), (204, 121, 167), (86, 180, 233), (240, 228, 66)];

/// A live action's mark on the charts: magenta, apart from every series colour.
pub const LIVE_ACTION: (u8, u8, u8) = (204, 0, 102);

/// The same colours as CSS, for the HTML legends.
pub fn css(c: (u8, u8, u8)) -> String {
    format!("rgb({},{},{})", c.0, c.1, c.2)
}

type Rgb = (u8, u8, u8);

/// `(background, text, grid, marker, line width, font size)` per theme.
const PALETTES: [(Rgb, Rgb, Rgb, Rgb, u32, u32); 3] = [
    ((255, 255, 255), (30, 30, 30), (225, 225, 225), (0, 0, 0), 2, 13),
    ((24, 26, 30), (230, 230, 230), (60, 63, 70), (255, 255, 255), 2, 13),
    ((255, 255, 255), (0, 0, 0), (200, 200, 200), (0, 0, 0), 4, 18),
];

impl Theme {
    pub fn palette(self) -> Palette {
        let (background, text, grid, marker, line_width, font) = PALETTES[self as usize];
        Palette { background, text, grid, marker, line_width, font }
    }
}

/// The theme signal: the link's scheme, else the system's light/dark (live); the projector theme
/// in presenter mode.
pub fn system_theme(presenter: Signal<bool>, scheme: Signal<Scheme>) -> Signal<Theme> {
    let (dark, set_dark) = signal(false);
    if let Some(mq) = web_sys::window().and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten()) {
        set_dark.set(mq.matches());
        let cb = Closure::<dyn Fn(web_sys::MediaQueryListEvent)>::new(move |e: web_sys::MediaQueryListEvent| set_dark.set(e.matches()));
        let _ = mq.add_event_listener_with_callback("change", cb.as_ref().unchecked_ref());
        cb.forget();
    }
    Signal::derive(move || {
        if presenter.get() {
            Theme::Projector
        } else if scheme.get() == Scheme::Dark || scheme.get() == Scheme::Auto && dark.get() {
            Theme::Dark
        } else {
            Theme::Light
        }
    })
}

//! Seeded hostile input for the decoders' fuzz tests (links and saved progress): arbitrary
//! bytes and strings, escapes, markup, very long values. Test-only; the seed makes a failure
//! reproducible (it is printed with the case).

/// SplitMix64: tiny, seeded, good enough to pick cases.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Markup that must only ever show as text.
pub const MARKUP: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"><svg onload=alert(1)>",
    "javascript:alert(1)",
    "<b>bold</b>",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "&lt;i&gt;",
];

/// Pieces that sit close to the decoders' edges.
const PIECES: &[&str] = &[
    "%",
    "%Z",
    "%ZZ",
    "%E0%A4",
    "%C3%A9",
    "%00",
    "+",
    "&",
    "=",
    ",",
    "?",
    "#",
    "\"",
    "'",
    "\\",
    "{",
    "}",
    "[",
    "]",
    ":",
    "null",
    "-1",
    "1e309",
    "NaN",
    "18446744073709551616",
    "4294967295",
    "0",
    "한국어",
    "é",
    "🚀",
    "\u{0}",
    "\u{202e}",
    "\n",
    " ",
];

/// Arbitrary bytes, some of them not UTF-8.
pub fn bytes(rng: &mut Rng, max_len: usize) -> Vec<u8> {
    let n = rng.below(max_len + 1);
    (0..n).map(|_| rng.next() as u8).collect()
}

/// An arbitrary string: bytes read lossily, edge pieces, markup, or (rarely) something very long.
pub fn text(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => String::from_utf8_lossy(&bytes(rng, 40)).into_owned(),
        1 => rng.pick(MARKUP).to_string(),
        2 if rng.chance(20) => rng.pick(PIECES).repeat(1 + rng.below(100_000)),
        _ => (0..rng.below(6)).map(|_| rng.pick(PIECES)).collect::<Vec<_>>().join(if rng.chance(2) { "" } else { "x" }),
    }
}

/// Cuts `s` at a random byte (on a character boundary).
pub fn truncate(rng: &mut Rng, s: &str) -> String {
    let mut cut = rng.below(s.len() + 1);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s[..cut].to_string()
}

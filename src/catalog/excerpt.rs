//! A scenario card's excerpt: the story's first sentence. Shared with `build.rs`, which writes
//! every card at build time (so the catalog shows without parsing every scenario).

/// The story's first sentence: up to a full stop followed by a space or the end (so "99.9 %"
/// does not end it), or a line break.
pub fn first_sentence(s: &str) -> String {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let end = chars
        .iter()
        .enumerate()
        .find(|(k, (_, c))| *c == '\n' || *c == '。' || (*c == '.' && chars.get(k + 1).is_none_or(|(_, n)| n.is_whitespace())))
        .map(|(_, (i, c))| i + c.len_utf8())
        .unwrap_or(s.len());
    s[..end].trim().replace("**", "").replace('`', "")
}

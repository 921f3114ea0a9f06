//! The little markup scenario text uses: `**bold**` and `` `code` ``, plus blank-line
//! paragraphs. Everything else is plain text (never HTML).

use leptos::prelude::*;

#[derive(Debug, PartialEq)]
pub enum Span {
    Text(String),
    Bold(String),
    Code(String),
}

/// Splits one paragraph into spans; an unclosed marker stays as text.
pub fn spans(s: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let next = [("**", 0u8), ("`", 1u8)].iter().filter_map(|(m, k)| rest.find(m).map(|i| (i, *m, *k))).min_by_key(|x| x.0);
        let Some((i, marker, kind)) = next else { break };
        let after = &rest[i + marker.len()..];
        let Some(end) = after.find(marker) else { break };
        if i > 0 {
            out.push(Span::Text(rest[..i].to_string()));
        }
        let inner = after[..end].to_string();
        out.push(if kind == 0 { Span::Bold(inner) } else { Span::Code(inner) });
        rest = &after[end + marker.len()..];
    }
    if !rest.is_empty() {
        out.push(Span::Text(rest.to_string()));
    }
    out
}

/// Renders paragraphs (split on blank lines) of `text`.
pub fn paragraphs(text: &str) -> impl IntoView + use<> {
    text.split("\n\n").filter(|p| !p.trim().is_empty()).map(|p| view! { <p>{inline(p)}</p> }).collect_view()
}

pub fn inline(text: &str) -> impl IntoView + use<> {
    spans(text.trim())
        .into_iter()
        .map(|s| match s {
            Span::Text(t) => t.into_any(),
            Span::Bold(t) => view! { <strong>{t}</strong> }.into_any(),
            Span::Code(t) => view! { <code>{t}</code> }.into_any(),
        })
        .collect_view()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bold_code_and_unclosed_markers() {
        assert_eq!(
            spans("a **rolling** b `latest` c"),
            vec![
                Span::Text("a ".into()),
                Span::Bold("rolling".into()),
                Span::Text(" b ".into()),
                Span::Code("latest".into()),
                Span::Text(" c".into())
            ]
        );
        assert_eq!(spans("2 ** 3"), vec![Span::Text("2 ** 3".into())]);
        assert_eq!(spans("**x**"), vec![Span::Bold("x".into())]);
        assert_eq!(spans(""), vec![]);
    }
}

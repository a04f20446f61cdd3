//! Escaping for the markup languages the renderers write: the one XML
//! escaper and the one DOT string quoter of the crate (the report's SVG
//! plot and the HTML, JUnit and graph renderers all use these).

/// `s` as HTML/XML text or attribute value: `&`, `<`, `>`, `"` and `'`
/// escaped, and control characters other than tab and newline dropped
/// (XML 1.0 cannot carry them at all).
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `s` as a Graphviz DOT quoted string's contents.
pub fn dot(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// `s` shortened to at most `max` characters, with an ellipsis when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

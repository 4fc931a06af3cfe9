use super::*;

#[test]
fn selector_needs_come_from_the_rightmost_compound() {
    let needs = |s: &str| needs_of(s);
    assert_eq!(needs("div.rm_txt h1"), Some(vec![Need::Tag("h1".into())]));
    assert_eq!(needs("#p_title"), Some(vec![Need::Id("p_title".into())]));
    assert_eq!(needs("div > p.a.b"), Some(vec![Need::Class("a".into())]));
    assert_eq!(
        needs(".box_pic:empty"),
        Some(vec![Need::Class("box_pic".into())])
    );
    assert_eq!(
        needs("link[rel=canonical]"),
        Some(vec![Need::Tag("link".into())])
    );
    assert_eq!(
        needs("head title, title"),
        Some(vec![Need::Tag("title".into()), Need::Tag("title".into())])
    );
    assert_eq!(needs("[href]"), Some(vec![Need::Attr("href".into())]));
    assert_eq!(
        needs(".byline, [itemprop=author], [REL=author]"),
        Some(vec![
            Need::Class("byline".into()),
            Need::Attr("itemprop".into()),
            Need::Attr("rel".into())
        ])
    );
    for opaque in ["a:not(.x)", "*", "svg clipPath", "a[title='x y']", "ns|a"] {
        assert_eq!(needs(opaque), None, "{opaque}");
    }
}

#[test]
fn indexed_selection_equals_a_full_scan() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut pages = vec![
        "<div id=a class='x  y x'><p class=y>1</p><svg viewBox='0 0 1 1'><clipPath id=c/></svg></div><p id=a>2</p>\
         <span ITEMPROP=author>x</span><a rel=author href=/a>y</a><div class=author>z</div>"
            .to_string(),
    ];
    for rel in [
        "people/rm_txt.html",
        "people/text_c.html",
        "workercn/article.html",
        "hanweb/article.html",
    ] {
        if let Ok(t) = std::fs::read_to_string(dir.join(rel)) {
            pages.push(t);
        }
    }
    let mut selectors: Vec<Css> = [
        "p",
        "#a",
        ".x",
        ".y",
        "div.x p",
        "head title, title",
        "clipPath",
        "meta",
        "link[rel=canonical]",
        "div:not(.x)",
        "[href]",
        "[viewBox]",
        "#author, .author, [itemprop=author], .writer, [rel=author]",
        "[REL=author]",
    ]
    .iter()
    .map(|s| Css::parse(s).unwrap())
    .collect();
    for p in super::super::Profiles::builtin().names() {
        let p = super::super::Profiles::builtin().by_name(p).unwrap();
        selectors.extend(p.remove.iter().cloned());
        for list in [
            &p.fields.title,
            &p.fields.body,
            &p.fields.date,
            &p.fields.source,
            &p.fields.images,
            &p.fields.authors,
        ] {
            selectors.extend(list.iter().cloned());
        }
    }
    for page in &pages {
        let doc = parse_document(page);
        let idx = DocIndex::new(&doc);
        for s in &selectors {
            let full: Vec<NodeId> = doc.select(s).map(|e| e.id()).collect();
            let fast: Vec<NodeId> = idx.select(s).map(|e| e.id()).collect();
            assert_eq!(full, fast, "{s:?}");
        }
    }
}

/// The definition `push_collapsed` must keep: char by char.
fn push_collapsed_reference(line: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_whitespace() {
            if !line.is_empty() && !line.ends_with(' ') {
                line.push(' ');
            }
        } else {
            line.push(c);
        }
    }
}

#[test]
fn push_collapsed_equals_the_char_by_char_definition() {
    let atoms = [
        "a", " ", "  ", "\u{a0}", "\u{3000}", "\n", "工", "，", "\u{2028}", "\t ", "\u{85}",
        "\u{1680}", "\u{a9}", "\u{2013}", "、",
    ];
    let cases = crate::clean::reference::strings_of(&atoms, 4);
    for prefix in ["", "x", "x "] {
        for text in &cases {
            let (mut fast, mut slow) = (prefix.to_string(), prefix.to_string());
            push_collapsed(&mut fast, text);
            push_collapsed_reference(&mut slow, text);
            assert_eq!(fast, slow, "{prefix:?} + {text:?}");
        }
    }
}

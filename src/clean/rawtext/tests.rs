use proptest::prelude::*;
use scraper::{Html, Node};

use super::thin_raw_text;

/// Whether parsing `thinned` gives the same tree as parsing `html`: the same nodes in the same order with
/// the same names, attributes, comments and text, except that text directly inside `script`, `style` and
/// `noscript` may have become one space. Returns the first difference.
fn same_tree(html: &str, thinned: &str) -> Result<(), String> {
    let a = Html::parse_document(html);
    let b = Html::parse_document(thinned);
    let (na, nb): (Vec<_>, Vec<_>) = (a.tree.nodes().collect(), b.tree.nodes().collect());
    if na.len() != nb.len() {
        return Err(format!("{} nodes vs {}", na.len(), nb.len()));
    }
    for (x, y) in na.iter().zip(&nb) {
        if x.id() != y.id() {
            return Err("node ids differ".into());
        }
        let parent_name = |n: &ego_tree::NodeRef<'_, Node>| {
            n.parent()
                .and_then(|p| p.value().as_element().map(|e| e.name().to_string()))
        };
        match (x.value(), y.value()) {
            (Node::Text(s), Node::Text(t)) => {
                let in_raw = matches!(
                    parent_name(x).as_deref(),
                    Some("script" | "style" | "noscript")
                );
                if **s != **t && !(in_raw && &**t == " ") {
                    return Err(format!("text {:?} became {:?}", &**s, &**t));
                }
            }
            (Node::Element(e), Node::Element(f)) => {
                let attrs = |e: &scraper::node::Element| {
                    let mut v: Vec<(String, String)> = e
                        .attrs()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect();
                    v.sort();
                    v
                };
                if e.name() != f.name() || attrs(e) != attrs(f) {
                    return Err(format!("element {} became {}", e.name(), f.name()));
                }
                if parent_name(x) != parent_name(y) {
                    return Err(format!("element {} moved", e.name()));
                }
            }
            (Node::Comment(c), Node::Comment(d)) if **c == **d => {}
            (Node::Doctype(_), Node::Doctype(_))
            | (Node::Document, Node::Document)
            | (Node::Fragment, Node::Fragment) => {}
            (p, q) => return Err(format!("{p:?} became {q:?}")),
        }
    }
    Ok(())
}

fn check(html: &str) -> String {
    let thinned = thin_raw_text(html).into_owned();
    if let Err(e) = same_tree(html, &thinned) {
        panic!("{e}\n  page: {html:?}\n  thinned: {thinned:?}");
    }
    thinned
}

#[test]
fn script_style_and_noscript_bodies_become_one_space() {
    let html = "<html><head><style>p { color: red }</style><script>var a = 1 < 2;</script></head>\
                <body><p>正文</p><noscript><img src=x.png></noscript><script src=a.js></script></body></html>";
    let out = check(html);
    assert_eq!(
        out,
        "<html><head><style> </style><script> </script></head>\
         <body><p>正文</p><noscript> </noscript><script src=a.js></script></body></html>"
    );
}

#[test]
fn json_ld_is_kept_whole() {
    let html = r#"<script type="application/LD+JSON">{"datePublished": "2024-01-02"}</script><script>x()</script>"#;
    let out = check(html);
    assert_eq!(
        out,
        r#"<script type="application/LD+JSON">{"datePublished": "2024-01-02"}</script><script> </script>"#
    );
}

#[test]
fn whitespace_only_bodies_are_left_alone() {
    assert_eq!(
        check("<script>\n  </script><p>a"),
        "<script>\n  </script><p>a"
    );
}

#[test]
fn an_unclosed_script_leaves_the_rest_unchanged() {
    let html = "<style>a{}</style><script>var x = '<p>not text</p>';";
    assert_eq!(
        check(html),
        "<style> </style><script>var x = '<p>not text</p>';"
    );
}

#[test]
fn end_tags_inside_strings_and_escapes_follow_the_tokenizer() {
    // `</script` without a delimiter after it does not end the script.
    assert_eq!(
        check("<script>a = '</scripts>'; b()</script><p>t"),
        "<script> </script><p>t"
    );
    // Inside `<!-- <script> … -->` a `</script>` does not end the outer script.
    let html = "<script><!-- document.write('<script>x()</script>'); --></script><p>after</p>";
    assert_eq!(check(html), "<script> </script><p>after</p>");
    // `<!-->` goes straight back to script data, so the first `</script>` ends it.
    assert_eq!(
        check("<script><!--><script></script><p>x</p>"),
        "<script> </script><p>x</p>"
    );
    assert_eq!(
        check("<script><!---><script></script><p>x</p>"),
        "<script> </script><p>x</p>"
    );
}

#[test]
fn upper_case_tags_and_odd_end_tags_are_recognised() {
    assert_eq!(
        check("<SCRIPT TYPE=text/javascript>x</SCRIPT ><STYLE>y</Style/>"),
        "<SCRIPT TYPE=text/javascript> </SCRIPT ><STYLE> </Style/>"
    );
}

#[test]
fn a_greater_than_sign_inside_an_attribute_does_not_end_the_tag() {
    let html = r#"<div title="a>b <script>x</script>"><script data-x='>'>y</script></div>"#;
    assert_eq!(
        check(html),
        r#"<div title="a>b <script>x</script>"><script data-x='>'> </script></div>"#
    );
}

#[test]
fn comments_and_rcdata_hide_tags() {
    let html = "<!-- <script>x</script> --><title><script>t</title><textarea><style>u</textarea><style>v</style>";
    assert_eq!(
        check(html),
        "<!-- <script>x</script> --><title><script>t</title><textarea><style>u</textarea><style> </style>"
    );
}

#[test]
fn cdata_in_svg_and_other_unsure_places_stop_the_scan() {
    let svg = "<svg><![CDATA[</svg><script>]]></svg><script>x</script>";
    assert_eq!(check(svg), svg);
    let frameset = "<frameset><script>x<frame></script>";
    assert_eq!(check(frameset), frameset);
    let breakout = "<svg><p><script>x</script>";
    assert_eq!(check(breakout), breakout);
    // Plain drawing elements are followed, and the scan goes on after the svg.
    assert_eq!(
        check("<svg viewBox='0 0 1 1'><path d='M0 0'/><g></g></svg><script>x</script>"),
        "<svg viewBox='0 0 1 1'><path d='M0 0'/><g></g></svg><script> </script>"
    );
    // Outside foreign content CDATA is a bogus comment.
    assert_eq!(
        check("<![CDATA[<script>]]><script>x</script>"),
        "<![CDATA[<script>]]><script> </script>"
    );
}

#[test]
fn a_page_without_raw_text_is_borrowed() {
    assert!(matches!(
        thin_raw_text("<p>a</p><br/>"),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn tag_like_bytes_in_odd_places_do_not_panic() {
    for s in [
        "<",
        "</",
        "<!--",
        "<a",
        "<script",
        "<script>",
        "<script><!--",
        "</script",
        "<a b='",
        "<a b=",
        "<\u{4e2d}>",
        "<<>>",
        "<a\u{e9}>",
        "<!",
        "<?",
        "<svg",
        "<svg><",
        "<svg></",
    ] {
        check(s);
        check(&s.repeat(3));
    }
}

/// Pieces of markup, chosen to hit every state the scan follows and the places where it must stop.
const PIECES: &[&str] = &[
    "<script>",
    "<script type=\"application/ld+json\">{\"a\": 1}",
    "<SCRIPT language=javascript>",
    "</script>",
    "</SCRIPT >",
    "</script",
    "</scripts>",
    "<!--",
    "-->",
    "--!>",
    "<!-->",
    "<!--->",
    "-",
    "<style>",
    "</style>",
    "<noscript>",
    "</noscript>",
    "<title>",
    "</title>",
    "<textarea>",
    "</textarea>",
    "<xmp>",
    "</xmp>",
    "<iframe>",
    "</iframe>",
    "<select>",
    "</select>",
    "<svg>",
    "</svg>",
    "<svg/>",
    "<path d='M0'/>",
    "<g>",
    "</g>",
    "<math>",
    "</math>",
    "<desc>",
    "<foreignObject>",
    "<![CDATA[",
    "]]>",
    "<template>",
    "</template>",
    "<table>",
    "<td>",
    "<p>",
    "</p>",
    "<div class=\"a>b\">",
    "<a href='x>y'>",
    "</a>",
    "<b>",
    "<img src=x/>",
    "<frameset>",
    "<plaintext>",
    "<!DOCTYPE html>",
    "<?php x ?>",
    "<html>",
    "<head>",
    "<body>",
    "</body>",
    "<",
    "</",
    ">",
    "'",
    "\"",
    "=",
    "/",
    " ",
    "\n",
    "text",
    "中文正文。",
    "a<b",
    "x = '</scr' + 'ipt>';",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// The thinned page parses to the same tree as the page, but for the cut bodies.
    #[test]
    fn thinning_keeps_the_tree(pieces in prop::collection::vec(0..PIECES.len(), 0..40)) {
        let html: String = pieces.iter().map(|&i| PIECES[i]).collect();
        let thinned = thin_raw_text(&html);
        prop_assert!(thinned.len() <= html.len());
        if let Err(e) = same_tree(&html, &thinned) {
            return Err(TestCaseError::fail(format!("{e}\n  page: {html:?}\n  thinned: {thinned:?}")));
        }
    }
}

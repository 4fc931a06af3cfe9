//! Unit tests of URL canonicalisation, mirror origins, fingerprints and the popcount.

use super::*;

#[test]
fn popcount_with_the_instruction_matches_the_portable_reference() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut cases = vec![
        0,
        1,
        u64::MAX,
        1 << 63,
        0x5555_5555_5555_5555,
        0xFF00_FF00_FF00_FF00,
    ];
    for _ in 0..10_000 {
        // xorshift64: a spread of bit patterns.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        cases.push(x);
    }
    for c in cases {
        assert_eq!(popcount(c), c.count_ones(), "{c:#x}");
        assert_eq!(popcount_portable(c), c.count_ones(), "{c:#x}");
    }
    assert_eq!(hamming(0b1011, 0b0110), 3);
}

fn canon(s: &str) -> String {
    canonical_url(&Url::parse(s).unwrap()).to_string()
}

#[test]
fn tracking_params_fragments_and_order_are_normalised() {
    assert_eq!(
        canon("HTTP://Acftu.People.com.cn:80/n1/2024/0927/c67502-40328717.html?utm_source=x&spm=a.b&from=timeline#top"),
        "http://acftu.people.com.cn/n1/2024/0927/c67502-40328717.html"
    );
    assert_eq!(
        canon("http://a.cn/x?b=2&a=1&b=1"),
        "http://a.cn/x?a=1&b=1&b=2"
    );
    assert_eq!(
        canon("http://a.cn/a/./b/../c//d%7e%2f"),
        "http://a.cn/a/c/d~%2F"
    );
    assert_eq!(
        canon("http://a.cn/x;jsessionid=ABC?q=1"),
        "http://a.cn/x?q=1"
    );
}

#[test]
fn identity_key_folds_scheme_and_www() {
    let a = url_key(&Url::parse("https://www.workercn.cn/c/2024-09-27/8300000.shtml").unwrap());
    let b = url_key(&Url::parse("http://workercn.cn/c/2024-09-27/8300000.shtml#x").unwrap());
    assert_eq!(a, b);
    let c = url_key(&Url::parse("https://www.example.com:8443/x").unwrap());
    assert_eq!(c, "http://example.com:8443/x");
}

#[test]
fn mirror_paths_map_to_people_origin() {
    let m = Url::parse("https://mirror.example/n1/2024/0927/c67502-40320000.html").unwrap();
    assert_eq!(
        mirror_origin(&m).unwrap().as_str(),
        "http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html"
    );
    let people =
        Url::parse("http://acftu.people.com.cn/n1/2024/0927/c67502-40320000.html").unwrap();
    assert!(mirror_origin(&people).is_none());
    let unknown = Url::parse("http://343507.com/n1/2024/0926/c459503-40328717.html").unwrap();
    assert!(mirror_origin(&unknown).is_none());
    let other = Url::parse("http://mirror.example/n3/2024/0927/c67502-1.html").unwrap();
    assert!(mirror_origin(&other).is_none());
}

#[test]
fn hamming_and_bands() {
    assert_eq!(hamming(0, u64::MAX), 64);
    assert_eq!(bands(0x0001_0002_0003_0004), [1, 2, 3, 4]);
}

#[test]
fn sentences_keep_decimals_together() {
    let s = sentences("覆盖1.2万人。第二句，三!third.end");
    assert_eq!(s, vec!["覆盖1.2万人", "第二句", "三", "third", "end"]);
}

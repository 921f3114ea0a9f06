//! Korean particles (조사) that depend on how the word before them ends when read aloud: a
//! final consonant (받침) takes 이, 을, 은, 과, 으로; a vowel takes 가, 를, 는, 와, 로; a final ㄹ
//! takes 로 like a vowel. Digits and Latin letters are read as Koreans read them ("300" 삼백,
//! "p99" 피구십구, "v1" 브이일, "ms" 밀리초, "%" 퍼센트).

/// A particle that has two forms.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Particle {
    /// 이/가
    Subject,
    /// 을/를
    Object,
    /// 은/는
    Topic,
    /// 과/와
    And,
    /// 으로/로
    Toward,
}

/// How a word ends when read.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Ending {
    Vowel,
    /// ㄹ: a consonant, except before 으로.
    Rieul,
    Consonant,
}

const HANGUL_FIRST: u32 = 0xAC00;
const HANGUL_LAST: u32 = 0xD7A3;
/// The index of ㄹ among the final consonants of a Hangul syllable.
const JONG_RIEUL: u32 = 8;

/// A digit as it is read at the end of a number: 일, 이, 삼, 사, 오, 육, 칠, 팔, 구; a final 0
/// is read 영, 십, 백, 천 or 만, all with a final consonant other than ㄹ.
fn digit(c: char) -> Ending {
    match c {
        '1' | '7' | '8' => Ending::Rieul,
        '0' | '3' | '6' => Ending::Consonant,
        _ => Ending::Vowel,
    }
}

/// A Latin letter read by its name (엘, 알, 엠, 엔; the others end in a vowel).
fn letter_name(c: char) -> Ending {
    match c.to_ascii_lowercase() {
        'l' | 'r' => Ending::Rieul,
        'm' | 'n' => Ending::Consonant,
        _ => Ending::Vowel,
    }
}

/// The end of a Latin word as a loanword reads it: "pool" 풀, "stream" 스트림, "green" 그린,
/// "ping" 핑; "server" 서버, "latest" 레이티스트, "ms" 밀리초 end in a vowel.
fn word_end(word: &str) -> Ending {
    let lower = word.to_ascii_lowercase();
    match lower.chars().last() {
        Some('l') => Ending::Rieul,
        Some('m' | 'n') => Ending::Consonant,
        _ => Ending::Vowel,
    }
}

fn ending(word: &str) -> Option<Ending> {
    let trimmed = word.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '%'));
    let last = trimmed.chars().last()?;
    let code = last as u32;
    if (HANGUL_FIRST..=HANGUL_LAST).contains(&code) {
        return Some(match (code - HANGUL_FIRST) % 28 {
            0 => Ending::Vowel,
            JONG_RIEUL => Ending::Rieul,
            _ => Ending::Consonant,
        });
    }
    if last.is_ascii_digit() {
        return Some(digit(last));
    }
    if last == '%' {
        return Some(Ending::Vowel); // 퍼센트
    }
    if last.is_ascii_alphabetic() {
        let start = trimmed.rfind(|c: char| !c.is_ascii_alphabetic()).map_or(0, |i| i + 1);
        let letters = &trimmed[start..];
        // One letter, or an abbreviation in capitals (CPU, OOM, DB): letter by letter.
        let spelled = letters.len() == 1 || (letters.len() <= 4 && letters.chars().all(|c| c.is_ascii_uppercase()));
        return Some(if spelled { letter_name(last) } else { word_end(letters) });
    }
    None
}

/// The particle's form after `word`; both forms ("이(가)") when the word's end cannot be read.
pub fn particle(word: &str, p: Particle) -> &'static str {
    let e = ending(word);
    match (p, e) {
        (Particle::Subject, Some(Ending::Vowel)) => "가",
        (Particle::Subject, Some(_)) => "이",
        (Particle::Subject, None) => "이(가)",
        (Particle::Object, Some(Ending::Vowel)) => "를",
        (Particle::Object, Some(_)) => "을",
        (Particle::Object, None) => "을(를)",
        (Particle::Topic, Some(Ending::Vowel)) => "는",
        (Particle::Topic, Some(_)) => "은",
        (Particle::Topic, None) => "은(는)",
        (Particle::And, Some(Ending::Vowel)) => "와",
        (Particle::And, Some(_)) => "과",
        (Particle::And, None) => "과(와)",
        (Particle::Toward, Some(Ending::Vowel | Ending::Rieul)) => "로",
        (Particle::Toward, Some(Ending::Consonant)) => "으로",
        (Particle::Toward, None) => "(으)로",
    }
}

/// `word` followed by its particle: `with("web-v1", Object)` is "web-v1을".
pub fn with(word: &str, p: Particle) -> String {
    format!("{word}{}", particle(word, p))
}

#[cfg(test)]
mod tests {
    use super::Particle::*;
    use super::{Particle, particle, with};

    #[test]
    fn particles_follow_how_the_word_is_read() {
        let table: &[(&str, Particle, &str)] = &[
            // Hangul: final consonant, none, ㄹ.
            ("p99 응답 시간", Subject, "이"),
            ("가용성", Subject, "이"),
            ("처리량", Object, "을"),
            ("레플리카", Subject, "가"),
            ("레플리카", Object, "를"),
            ("에러율", Subject, "이"),
            ("에러율", Toward, "로"),
            ("노드", Topic, "는"),
            ("그린", Topic, "은"),
            ("블루", And, "와"),
            ("서버", And, "와"),
            ("그린", And, "과"),
            ("그린", Toward, "으로"),
            // Digits: 삼백, 이, 일, 칠, 팔, 육, 구, 영/십.
            ("300", Object, "을"),
            ("300", Subject, "이"),
            ("2", Object, "를"),
            ("web-v1", Object, "을"),
            ("web-v1", Toward, "로"),
            ("v2", Subject, "가"),
            ("v2", Toward, "로"),
            ("pool-7", Subject, "이"),
            ("8", Toward, "로"),
            ("6", Toward, "으로"),
            ("3", Toward, "으로"),
            ("p99", Subject, "가"),
            ("10", Toward, "으로"),
            ("0.5", Object, "를"),
            // Units and symbols as read: 밀리초, 퍼센트, 메비바이트, 초.
            ("300.0 ms", Object, "를"),
            ("99.900 %", Object, "를"),
            ("512 MiB", Subject, "가"),
            ("30 s", Object, "를"),
            // Letters by name (엘, 알, 엠, 엔, 에스) and loanwords (풀, 그린, 레이티스트).
            ("v", Subject, "가"),
            ("L", Subject, "이"),
            ("R", Toward, "로"),
            ("CPU", Subject, "가"),
            ("OOM", Subject, "이"),
            ("pool", Subject, "이"),
            ("pool", Toward, "로"),
            ("green", Object, "을"),
            ("stream", Toward, "으로"),
            ("latest", Object, "를"),
            ("web:latest", Subject, "가"),
            // Closing punctuation is skipped.
            ("web-v1)", Object, "을"),
            ("\"v2\"", Subject, "가"),
        ];
        for (word, p, want) in table {
            assert_eq!(particle(word, *p), *want, "{word} + {p:?}");
        }
    }

    #[test]
    fn an_unreadable_end_keeps_both_forms() {
        assert_eq!(particle("", Subject), "이(가)");
        assert_eq!(particle("→", Object), "을(를)");
        assert_eq!(particle("…", Toward), "(으)로");
        assert_eq!(with("web-v1", Object), "web-v1을");
        assert_eq!(with("p99 응답 시간", Subject), "p99 응답 시간이");
    }
}

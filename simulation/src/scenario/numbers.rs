//! Numbers as people read them, the same in Korean and English.

/// A count as people read it: `224904` → `224,904` (the same in Korean).
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// `text.parse::<f64>().ok()`, bit for bit: the same texts (`1.`, `.5`, `+1e3`; `inf`,
/// `infinity`, `nan` in any case; no spaces), the nearest value with ties to even, infinity past
/// the largest. std's parser brings a 10 KB table of powers of five into the wasm (#12): here a
/// short number is one exact multiplication or division, any other is found by comparing exact
/// integers.
pub fn read_f64(text: &str) -> Option<f64> {
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let value = match decimal(rest) {
        Some((digits, exp)) => nearest(&digits, exp),
        None if rest.eq_ignore_ascii_case("inf") || rest.eq_ignore_ascii_case("infinity") => f64::INFINITY,
        None if rest.eq_ignore_ascii_case("nan") => f64::NAN,
        None => return None,
    };
    Some(if negative { -value } else { value })
}

/// Significant digits kept: every double and every midpoint between two has at most 767, so a
/// longer number reads as its first 800 digits and a non-zero one after them.
const MAX_DIGITS: usize = 800;

/// `digits` (no leading or trailing zeros) × 10^`exp`, if `s` is a decimal number as std reads it.
fn decimal(s: &str) -> Option<(Vec<u8>, i64)> {
    let b = s.as_bytes();
    let (mut digits, mut exp, mut sticky, mut seen, mut i) = (Vec::new(), 0i64, false, false, 0);
    let mut fraction = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => {
                seen = true;
                if digits.is_empty() && c == b'0' {
                    exp -= i64::from(fraction);
                } else if digits.len() < MAX_DIGITS {
                    digits.push(c - b'0');
                    exp -= i64::from(fraction);
                } else {
                    exp += i64::from(!fraction);
                    sticky |= c != b'0';
                }
            }
            b'.' if !fraction => fraction = true,
            _ => break,
        }
        i += 1;
    }
    if !seen {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        let negative = b.get(i) == Some(&b'-');
        i += usize::from(matches!(b.get(i), Some(b'-' | b'+')));
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        // std stops adding digits at 65536: far past every finite or non-zero value.
        let mut e = 0i64;
        while let Some(&c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            if e < 0x10000 {
                e = 10 * e + i64::from(c - b'0');
            }
            i += 1;
        }
        exp += if negative { -e } else { e };
    }
    if i != b.len() {
        return None;
    }
    if sticky {
        digits.push(1);
        exp -= 1;
    }
    while digits.last() == Some(&0) {
        digits.pop();
        exp += 1;
    }
    Some((digits, exp))
}

/// The double nearest to `digits` × 10^`exp` (ties to even).
fn nearest(digits: &[u8], exp: i64) -> f64 {
    let lead = digits.len() as i64 - 1 + exp;
    if digits.is_empty() || lead < -324 {
        return 0.0;
    }
    if lead > 308 {
        return f64::INFINITY;
    }
    // Exact operands and one rounding: the nearest double.
    if digits.len() <= 15 && (-22..=22).contains(&exp) {
        let d = digits.iter().fold(0.0, |n, &c| n * 10.0 + f64::from(c));
        let scale = (0..exp.abs()).fold(1.0, |p, _| p * 10.0);
        return if exp < 0 { d / scale } else { d * scale };
    }
    // Otherwise the last bit pattern whose value is at most the number, then the midpoint decides.
    let d = Big::of_digits(digits);
    let at_most = |bits: u64| compare(&d, exp, parts(bits)) != std::cmp::Ordering::Less;
    let (mut lo, mut hi) = (0u64, f64::INFINITY.to_bits());
    if at_most(hi) {
        return f64::INFINITY;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if at_most(mid) { lo = mid } else { hi = mid }
    }
    let pick = match compare(&d, exp, midpoint(lo)) {
        std::cmp::Ordering::Less => lo,
        std::cmp::Ordering::Greater => hi,
        std::cmp::Ordering::Equal => lo + (lo & 1),
    };
    f64::from_bits(pick)
}

/// The double of `bits` as m × 2^k (the pattern of infinity: 2^1024).
fn parts(bits: u64) -> (u64, i64) {
    let (field, fraction) = ((bits >> 52) as i64, bits & ((1 << 52) - 1));
    if field == 0 { (fraction, -1074) } else { (fraction | 1 << 52, field - 1075) }
}

/// The midpoint between the double of `bits` and the next one up, as m × 2^k.
fn midpoint(bits: u64) -> (u64, i64) {
    let ((m, k), (m2, k2)) = (parts(bits), parts(bits + 1));
    let low = k.min(k2);
    ((m << (k - low)) + (m2 << (k2 - low)), low - 1)
}

/// The number `d` × 10^`exp` against m × 2^k.
fn compare(d: &Big, exp: i64, (m, k): (u64, i64)) -> std::cmp::Ordering {
    // d × 5^exp × 2^exp against m × 2^k, both sides whole.
    let (mut left, mut right) = (d.clone(), Big(vec![m as u32, (m >> 32) as u32]));
    let (mut left_shift, mut right_shift) = (0, 0);
    if exp >= 0 {
        left.mul_pow5(exp as u64);
        left_shift += exp;
    } else {
        right.mul_pow5(exp.unsigned_abs());
        right_shift -= exp;
    }
    if k >= 0 { right_shift += k } else { left_shift -= k }
    let common = left_shift.min(right_shift);
    left.shl((left_shift - common) as usize);
    right.shl((right_shift - common) as usize);
    left.cmp(&right)
}

/// A whole number in base 2^32, least significant first.
#[derive(Clone)]
struct Big(Vec<u32>);

impl Big {
    fn of_digits(digits: &[u8]) -> Big {
        let mut n = Big(vec![]);
        for chunk in digits.chunks(9) {
            n.mul_add(10u32.pow(chunk.len() as u32), chunk.iter().fold(0, |a, &c| a * 10 + u32::from(c)));
        }
        n
    }

    fn mul_add(&mut self, m: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(m) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow5(&mut self, mut k: u64) {
        while k > 0 {
            let step = k.min(13);
            self.mul_add(5u32.pow(step as u32), 0);
            k -= step;
        }
    }

    fn shl(&mut self, bits: usize) {
        let (limbs, bits) = (bits / 32, bits % 32);
        if bits > 0 {
            let mut carry = 0;
            for limb in &mut self.0 {
                let v = (*limb << bits) | carry;
                carry = *limb >> (32 - bits);
                *limb = v;
            }
            self.0.push(carry);
        }
        self.0.splice(0..0, std::iter::repeat_n(0, limbs));
    }

    fn cmp(&self, other: &Big) -> std::cmp::Ordering {
        let significant = |b: &Big| b.0.len() - b.0.iter().rev().take_while(|&&l| l == 0).count();
        let (a, b) = (significant(self), significant(other));
        a.cmp(&b).then_with(|| self.0[..a].iter().rev().cmp(other.0[..b].iter().rev()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(text: &str) {
        assert_eq!(read_f64(text).map(f64::to_bits), text.parse::<f64>().ok().map(f64::to_bits), "{text:?}");
    }

    /// xorshift64*: the cases differ every run of the loop, not between runs.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn decimal_of(b: &Big) -> String {
        let (mut limbs, mut out) = (b.0.clone(), Vec::new());
        while limbs.iter().any(|&l| l != 0) {
            let mut rem = 0u64;
            for l in limbs.iter_mut().rev() {
                let v = (rem << 32) | u64::from(*l);
                *l = (v / 1_000_000_000) as u32;
                rem = v % 1_000_000_000;
            }
            out.push(rem);
        }
        let mut s = out.pop().map_or("0".to_string(), |top| top.to_string());
        for chunk in out.iter().rev() {
            s += &format!("{chunk:09}");
        }
        s
    }

    /// The exact decimal of the midpoint between the double of `bits` and the next one up.
    fn midpoint_text(bits: u64) -> String {
        let (m, e) = midpoint(bits);
        let mut n = Big(vec![m as u32, (m >> 32) as u32]);
        if e >= 0 {
            n.shl(e as usize);
            decimal_of(&n)
        } else {
            n.mul_pow5(e.unsigned_abs());
            format!("{}e{e}", decimal_of(&n))
        }
    }

    #[test]
    fn reads_what_std_reads() {
        for text in [
            "", "+", "-", ".", "e", "1", "-1", "+1", "1.", ".5", "-.5", "+.5e-3", "1e", "1e+", "1e-", "e5", ".e5", "1.e5",
            "1..5", "1.5.", "1e5.", "1_0", " 1", "1 ", "0x10", "inf", "-inf", "+INF", "Infinity", "-infinity", "infinit",
            "infinityy", "nan", "-NaN", "+nan", "nana", "in", "0", "-0", "+0.000", "000123.4500", "0.0000", "1e400", "-1e400",
            "1e-400", "-1e-400", "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
            "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "179769313486231580793728971405301e276",
            "9007199254740993", "9007199254740992.5", "0.1", "0.3", "3.5", "120", "1e22", "1e23", "123456789012345678901234567890",
            "2.2250738585072011e-308", "2.2250738585072012e-308", "1e65535", "1e65536", "1e-65536", "0e999999", "1e0000000001",
            "٣", "1é", "１",
        ] {
            same(text);
        }
        // A long number: its 800th and later digits.
        same(&format!("0.{}", "3".repeat(2000)));
        same(&format!("{}e-2000", "1".repeat(1500)));
        same(&format!("1.{}1e-300", "0".repeat(900)));
        same(&format!("{}5{}1", "7".repeat(16), "0".repeat(850)));
    }

    #[test]
    fn reads_every_kind_of_number_as_std_does() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for case in 0..20_000 {
            let r = next(&mut state);
            let bits = match case % 4 {
                0 => r & 0x7FEF_FFFF_FFFF_FFFF,
                1 => r % (1 << 53),
                2 => 0x7FEF_FFFF_FFFF_FFFF - r % (1 << 40),
                _ => 0x3F00_0000_0000_0000 + r % (1 << 60),
            };
            let x = f64::from_bits(bits);
            for text in [format!("{x}"), format!("{x:e}"), format!("{x:.17e}"), format!("{x:.3}"), format!("{:.25e}", -x)] {
                same(&text);
            }
            // Exactly between two doubles, and just either side of it.
            let mid = midpoint_text(bits);
            same(&mid);
            let (digits, exp) = mid.split_once('e').map_or((mid.as_str(), String::new()), |(d, e)| (d, format!("e{e}")));
            same(&format!("{digits}1{exp}"));
            if let Some(last) = digits.bytes().last().filter(|&c| c > b'0') {
                same(&format!("{}{}999{exp}", &digits[..digits.len() - 1], (last - 1) as char));
            }
            // Short decimals with any exponent, and anything near the syntax.
            let n = 1 + next(&mut state) % 30;
            let body: String = (0..n).map(|_| char::from(b'0' + (next(&mut state) % 10) as u8)).collect();
            let dot = (next(&mut state) % (n + 1)) as usize;
            let e = (next(&mut state) % 800) as i64 - 400;
            same(&format!("{}.{}e{e}", &body[..dot], &body[dot..]));
            same(&format!("{body}E+{}", e.abs()));
            let alphabet = b"0123456789.eE+-_ infINFaty";
            let len = next(&mut state) % 9;
            let junk: String = (0..len).map(|_| char::from(alphabet[(next(&mut state) % alphabet.len() as u64) as usize])).collect();
            same(&junk);
        }
    }
}

//! Lists a loop publishes again every sync (the HPA's pods, metrics-server's samples) are
//! rewritten in place: each element keeps its allocations (a pod's name), so the steady state
//! allocates nothing. In the browser an allocation costs more than the loop's arithmetic.

/// Makes `buf` hold one element per item, in order: `write` overwrites an existing element
/// (built by `fresh` when the list grows), and surplus elements are dropped.
pub(crate) fn refill<T, I>(buf: &mut Vec<T>, items: impl Iterator<Item = I>, fresh: impl Fn() -> T, write: impl Fn(&mut T, I)) {
    let mut n = 0;
    for item in items {
        if n == buf.len() {
            buf.push(fresh());
        }
        write(&mut buf[n], item);
        n += 1;
    }
    buf.truncate(n);
}

#[cfg(test)]
mod tests {
    use super::refill;

    #[test]
    fn grows_shrinks_and_keeps_allocations() {
        let mut buf: Vec<String> = Vec::new();
        refill(&mut buf, ["a", "bb", "ccc"].into_iter(), String::new, |s, x| s.clone_from(&x.to_string()));
        assert_eq!(buf, ["a", "bb", "ccc"]);
        let first = buf[0].as_ptr();
        refill(&mut buf, ["x", "y"].into_iter(), String::new, |s, x| {
            s.clear();
            s.push_str(x)
        });
        assert_eq!(buf, ["x", "y"]);
        assert_eq!(buf[0].as_ptr(), first, "the element's buffer is reused");
        refill(&mut buf, std::iter::empty::<&str>(), String::new, |_, _| {});
        assert!(buf.is_empty());
    }
}

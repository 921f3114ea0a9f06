//! `cargo xtask serve [PORT]`: build dist/ and serve it on 127.0.0.1 (std only, one thread per
//! connection). Precompressed `.br`/`.gz` files are sent when the request's Accept-Encoding allows
//! (with `Vary: Accept-Encoding`); content-hashed files are cached for a year, everything else
//! (index.html, embed.js) is revalidated on every load.

use anyhow::{Context, Result};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};

pub fn run(args: &[String]) -> Result<()> {
    let port: u16 = match args.first() {
        Some(port) => port.parse().with_context(|| format!("port {port:?} is not a number from 1 to 65535"))?,
        None => std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8080),
    };
    let dist = crate::dist::build(&crate::dist::Options { release: true, names: false })?;
    let listener = TcpListener::bind(("127.0.0.1", port)).with_context(|| format!("binding 127.0.0.1:{port}"))?;
    println!("Scale Dojo is served at http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    accept(listener, dist);
    Ok(())
}

/// Serves `dist` on a free port in a background thread (for the e2e tests and the load bench);
/// returns the base URL.
pub fn spawn(dist: PathBuf) -> Result<String> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).context("binding a free port")?;
    let base = format!("http://127.0.0.1:{}/", listener.local_addr()?.port());
    std::thread::spawn(move || accept(listener, dist));
    Ok(base)
}

fn accept(listener: TcpListener, dist: PathBuf) {
    for stream in listener.incoming().flatten() {
        let dist = dist.clone();
        std::thread::spawn(move || {
            let _ = respond(stream, &dist);
        });
    }
}

fn respond(mut stream: TcpStream, dist: &Path) -> std::io::Result<()> {
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut accept_encoding = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("accept-encoding")
        {
            accept_encoding = value.trim().to_ascii_lowercase();
        }
    }
    let mut words = request_line.split_whitespace();
    let method = words.next().unwrap_or("GET");
    let path = words.next().unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let Some(file) = resolve(dist, path) else {
        return write!(
            stream,
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found"
        );
    };
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    let compressible = file.extension().and_then(|e| e.to_str()).is_some_and(|e| crate::dist::COMPRESSIBLE.contains(&e));
    let (body_file, encoding) = match choose_encoding(&accept_encoding) {
        Some((enc, ext)) if compressible && file.with_file_name(format!("{name}.{ext}")).is_file() => {
            (file.with_file_name(format!("{name}.{ext}")), Some(enc))
        }
        _ => (file.clone(), None),
    };
    let body = std::fs::read(&body_file)?;
    let cache = if crate::dist::is_hashed(&name) { "public, max-age=31536000, immutable" } else { "no-cache" };
    let mut head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: {cache}\r\nConnection: close\r\n",
        mime_type(&file),
        body.len()
    );
    if compressible {
        head.push_str("Vary: Accept-Encoding\r\n");
    }
    if let Some(enc) = encoding {
        head.push_str(&format!("Content-Encoding: {enc}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if method != "HEAD" {
        stream.write_all(&body)?;
    }
    Ok(())
}

/// Brotli if the client takes it, else gzip, else none: `(Content-Encoding, file suffix)`.
/// A coding listed with `q=0` is refused.
fn choose_encoding(accept: &str) -> Option<(&'static str, &'static str)> {
    let takes = |coding: &str| {
        accept.split(',').any(|part| {
            let mut bits = part.split(';').map(str::trim);
            bits.next() == Some(coding) && !bits.any(|p| p.replace(' ', "").trim_start_matches("q=").parse::<f64>().is_ok_and(|q| q == 0.0))
        })
    };
    if takes("br") {
        Some(("br", "br"))
    } else if takes("gzip") {
        Some(("gzip", "gz"))
    } else {
        None
    }
}

/// Maps a URL path to a file inside dist/, refusing anything that climbs out of it.
fn resolve(dist: &Path, path: &str) -> Option<PathBuf> {
    let relative = path.trim_start_matches('/');
    if relative.split('/').any(|part| part == "..") {
        return None;
    }
    let file = if relative.is_empty() { dist.join("index.html") } else { dist.join(relative) };
    let file = if file.is_dir() { file.join("index.html") } else { file };
    file.is_file().then_some(file)
}

fn mime_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("toml") => "text/plain; charset=utf-8",
        Some("md") => "text/markdown; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::choose_encoding;

    #[test]
    fn brotli_first_then_gzip_and_q0_refuses() {
        assert_eq!(choose_encoding("gzip, deflate, br, zstd"), Some(("br", "br")));
        assert_eq!(choose_encoding("gzip, deflate"), Some(("gzip", "gz")));
        assert_eq!(choose_encoding("br;q=0, gzip"), Some(("gzip", "gz")));
        assert_eq!(choose_encoding("br;q=0.5"), Some(("br", "br")));
        assert_eq!(choose_encoding(""), None);
        assert_eq!(choose_encoding("identity"), None);
    }
}

//! `cargo xtask serve [PORT]`: build dist/ and serve it on 127.0.0.1 (std only, one thread per connection).

use anyhow::{Context, Result};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};

pub fn run(args: &[String]) -> Result<()> {
    let port: u16 = match args.first() {
        Some(port) => port.parse().with_context(|| format!("port {port:?} is not a number from 1 to 65535"))?,
        None => std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8080),
    };
    let dist = crate::dist::build(&crate::dist::Options { release: true })?;
    let listener = TcpListener::bind(("127.0.0.1", port)).with_context(|| format!("binding 127.0.0.1:{port}"))?;
    println!("Scale Dojo is served at http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    for stream in listener.incoming().flatten() {
        let dist = dist.clone();
        std::thread::spawn(move || {
            let _ = respond(stream, &dist);
        });
    }
    Ok(())
}

fn respond(mut stream: TcpStream, dist: &Path) -> std::io::Result<()> {
    let mut request_line = String::new();
    BufReader::new(&stream).read_line(&mut request_line)?;
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let (status, body, mime) = match resolve(dist, path).and_then(|file| std::fs::read(&file).ok().map(|b| (file, b))) {
        Some((file, body)) => ("200 OK", body, mime_type(&file)),
        None => ("404 Not Found", b"not found".to_vec(), "text/plain"),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)
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
        _ => "application/octet-stream",
    }
}

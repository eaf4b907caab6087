// The harness's HTTP server: the page and its bundle, with /api/* proxied to
// `quarry serve` so the page talks to the real backend from its own origin.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES = {
  '.svg': 'image/svg+xml',
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
};

const ICON_PREFIX = '/public/build/img/icons/';

/**
 * startHarnessServer serves pageDir/index.html, bundleDir/* and @grafana/ui's
 * icons (iconDir), proxying /api to backend ("http://127.0.0.1:PORT").
 */
export function startHarnessServer({ pageDir, bundleDir, iconDir, backend }) {
  const target = new URL(backend);
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/api/')) {
      const proxied = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: target.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        }
      );
      proxied.on('error', (err) => {
        res.writeHead(502, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `quarry serve is not answering: ${err.message}` } }));
      });
      req.pipe(proxied);
      return;
    }
    const name = new URL(req.url, 'http://x').pathname;
    const rel = (p) => path.normalize(p).replace(/^[/\\]+/, '');
    let file = path.join(bundleDir, rel(name));
    if (name === '/') {
      file = path.join(pageDir, 'index.html');
    } else if (name.startsWith(ICON_PREFIX)) {
      file = path.join(iconDir, rel(name.slice(ICON_PREFIX.length)));
    }
    if (![pageDir, bundleDir, iconDir].some((d) => file.startsWith(d + path.sep))) {
      res.writeHead(403).end();
      return;
    }
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(data);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

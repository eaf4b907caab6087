// Child processes of the browser test: building and serving the backend.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';

/** run runs a command to completion, inheriting output; it throws on failure. */
export function run(cmd, args, opts = {}) {
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status ?? r.signal}`);
  }
  return (Date.now() - started) / 1000;
}

/** freePort asks the kernel for an unused loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** startQuarry starts `quarry serve` and resolves once it prints its ready line. */
export function startQuarry(bin, args, timeoutMs = 180_000) {
  const child = spawn(bin, ['serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`quarry serve did not get ready within ${timeoutMs / 1000}s:\n${log}`));
    }, timeoutMs);
    const onData = (d) => {
      log += d.toString();
      const m = /ready on (http:\/\/\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], log: () => log });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => {
      log += d.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`quarry serve exited with ${code} before it was ready:\n${log}`));
    });
  });
}

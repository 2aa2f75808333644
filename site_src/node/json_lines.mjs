// The one protocol of the build's long-running Node scripts (site_src/node/process.py, NodeProcess):
// KaTeX, PurgeCSS, SVGO and the build's Pyodide (site_src/runtime/node/host.mjs). Starting Node and
// loading a package costs half a second (Pyodide 3-4 s), and `scripts/serve` rebuilds often.
// serveLines(handlers): one request per line on stdin, {"id", "kind", "args"}; one reply per line on
// stdout, {"id", "ok": true, "result": what handlers[kind](args) returned} or {"id", "ok": false,
// "error": its message} if it threw. Nothing else may write to stdout.
import readline from "node:readline";

export async function serveLines(handlers) {
  for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (!line.trim()) continue;
    let id = null;
    let reply;
    try {
      const request = JSON.parse(line);
      id = request.id;
      if (!Object.prototype.hasOwnProperty.call(handlers, request.kind)) {
        throw new Error(`unknown request kind ${JSON.stringify(request.kind)}; valid: ${Object.keys(handlers).join(", ")}`);
      }
      reply = { id, ok: true, result: await handlers[request.kind](request.args) };
    } catch (error) {
      reply = { id, ok: false, error: String(error?.message ?? error) };
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  }
}

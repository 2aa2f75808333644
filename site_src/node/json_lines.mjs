// The build's Node helpers (site_src/node/script.py) stay running between requests: starting Node
// and loading KaTeX, PurgeCSS or SVGO costs half a second, and `scripts/serve` rebuilds often.
// serveLines(handle): one JSON request per line on stdin; one line per request on stdout,
// {"result": what handle returned} or {"error": "..."} if it threw.
import readline from "node:readline";

export async function serveLines(handle) {
  for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    let reply;
    try {
      reply = { result: await handle(JSON.parse(line)) };
    } catch (error) {
      reply = { error: String(error?.stack ?? error) };
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  }
}

// The build's Python: Pyodide under Node, the same runtime a reader's browser runs.
// site_src/runtime/node_host.py starts this once per build and talks JSON lines over stdin/stdout:
// each request {"id", "op", ...} gets one reply {"id", "ok", ...}. Python's own output never
// reaches stdout (it is captured per cell), so stdout carries only replies.
//
//   node host.mjs <pyodide.mjs> <mirror dir/> <engine wheel> <runner.py> <build_host.py> <exercise_check.py> <engine> <experiments module>
import fs from "node:fs";
import readline from "node:readline";
import { pathToFileURL } from "node:url";

const [pyodideModule, indexURL, wheelPath, runnerPath, hostPath, checkerPath, engineName, experimentsModule] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(pyodideModule).href);

// What Python writes goes to the current cell's output, kept as the page's worker keeps it:
// consecutive writes of one stream are joined, a change of stream starts a new item.
const capture = { items: [] };
function streamTo(kind) {
  const decoder = new TextDecoder();
  return {
    isatty: true,
    write(buffer) {
      const text = decoder.decode(buffer, { stream: true });
      const last = capture.items[capture.items.length - 1];
      if (last && last.kind === kind) last.text += text;
      else if (text) capture.items.push({ kind, text });
      return buffer.length;
    },
  };
}

const py = await loadPyodide({ indexURL, env: { MPLBACKEND: "Agg" } });
py.setStdout(streamTo("stdout"));
py.setStderr(streamTo("stderr"));
await py.loadPackage(["numpy", wheelPath], { messageCallback: () => {} });
py.FS.writeFile("/home/pyodide/livecells_runner.py", fs.readFileSync(runnerPath));
py.FS.writeFile("/home/pyodide/build_host.py", fs.readFileSync(hostPath));
py.FS.writeFile("/home/pyodide/exercise_check.py", fs.readFileSync(checkerPath)); // as the worker does
const host = py.pyimport("build_host");

function toJs(proxy) {
  const value = proxy.toJs({ dict_converter: Object.fromEntries });
  proxy.destroy();
  return value;
}

async function experiment(request) {
  const started = performance.now();
  const result = host.experiment_json(experimentsModule, request.name);
  return { result, seconds: (performance.now() - started) / 1000 };
}

async function page(request) {
  host.new_page();
  const outputs = [];
  for (const cell of request.cells) {
    capture.items = [];
    await py.loadPackagesFromImports(`${cell.setup}\n${cell.code}`, { messageCallback: () => {} });
    const emitImage = (png, title) => capture.items.push({ kind: "image", png, title });
    const outcome = toJs(await host.run_cell(request.page, cell.index, cell.title, cell.setup, cell.code, emitImage));
    outputs.push({ ok: outcome.ok, error: outcome.error, items: capture.items });
  }
  return { outputs };
}

// Under `mkdocs serve` the host outlives a build: an edited engine is swapped in, not restarted.
async function engine(request) {
  py.FS.writeFile("/tmp/engine.whl", fs.readFileSync(request.wheel));
  host.install_engine(engineName, "/tmp/engine.whl");
  return {};
}

const HANDLERS = { experiment, page, engine, warm: async (request) => (host.warm_up(experimentsModule, request.experiment ?? null), {}) };

for await (const line of readline.createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const request = JSON.parse(line);
  let reply;
  try {
    const handler = HANDLERS[request.op];
    if (!handler) throw new Error(`unknown op ${JSON.stringify(request.op)}; valid: ${Object.keys(HANDLERS).join(", ")}`);
    reply = { id: request.id, ok: true, ...(await handler(request)) };
  } catch (error) {
    reply = { id: request.id, ok: false, error: String(error?.message || error) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}
